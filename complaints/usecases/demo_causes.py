"""The demo's causes (原因分类, 原因说明) of its handled cases: what a car dealer's desk finds
behind each kind of complaint, with the spread a real month has (the topic decides the usual
cause; some cases turn out to have another one). Its own Random per case, so adding causes
leaves every other value of the demo as it was."""

from __future__ import annotations

from random import Random

# topic key → ((cause, weight, note), ...): the causes found behind that kind of complaint.
CAUSES: dict[str, tuple[tuple[str, int, str], ...]] = {
    "交车延期": (
        ("交车/手续", 5, "厂家发车延迟,未及时告知客户"),
        ("销售承诺", 3, "顾问承诺交车日期未核实库存"),
    ),
    "优惠未兑现": (("销售承诺", 6, "口头承诺优惠未写入合同"), ("价格/费用", 2, "优惠政策变更")),
    "金融手续费": (("价格/费用", 5, "金融服务费未事先说明"), ("销售承诺", 2, "顾问解释不清")),
    "上牌手续": (("交车/手续", 6, "资料不全,上牌延误"), ("服务流程/等待时间", 1, "流程衔接不畅")),
    "新车质量": (("车辆质量(厂家)", 6, "出厂缺陷,厂家索赔处理"), ("交车/手续", 1, "PDI漏检")),
    "精品加装": (("销售承诺", 3, "赠送精品未兑现"), ("维修质量", 2, "加装施工不规范")),
    "销售态度": (("服务态度", 6, "顾问沟通方式不当"), ("销售承诺", 1, "答复前后不一")),
    "置换估价": (("价格/费用", 4, "二手车估价差异"), ("销售承诺", 2, "置换补贴说明不清")),
    "反复维修": (
        ("维修质量", 5, "首次诊断不准确,返修"),
        ("车辆质量(厂家)", 3, "零件设计缺陷,需厂家技术支持"),
        ("配件质量/供应", 1, "更换配件批次有问题"),
    ),
    "异响": (("维修质量", 5, "紧固不到位"), ("车辆质量(厂家)", 2, "零件本身异响")),
    "空调故障": (("维修质量", 4, "检漏不彻底"), ("配件质量/供应", 2, "压缩机配件质量")),
    "漏水漏油": (("车辆质量(厂家)", 4, "密封件设计问题"), ("维修质量", 3, "安装密封不良")),
    "钣喷质量": (("维修质量", 6, "喷漆色差、流挂"),),
    "维修损坏": (("维修质量", 5, "作业不规范造成损伤"), ("服务态度", 1, "交车未说明")),
    "配件缺货": (
        ("配件质量/供应", 7, "配件订货周期长"),
        ("服务流程/等待时间", 1, "未及时告知到货"),
    ),
    "配件价格": (("价格/费用", 6, "配件报价高于客户预期"), ("配件质量/供应", 1, "副厂件说明不清")),
    "旧件去向": (("服务流程/等待时间", 3, "旧件未按规定交还"), ("服务态度", 1, "解释不耐心")),
    "等待时间": (("服务流程/等待时间", 7, "工位紧张,预约未落实"),),
    "结算增项": (("价格/费用", 5, "增项未经客户确认"), ("服务流程/等待时间", 1, "派工单未更新")),
    "服务顾问态度": (("服务态度", 7, "顾问接待不耐心"),),
    "交车清洁": (("服务流程/等待时间", 4, "交车前未清洁检查"), ("维修质量", 1, "作业后遗留污渍")),
    "保险理赔": (("服务流程/等待时间", 3, "理赔资料流转慢"), ("价格/费用", 2, "定损金额争议")),
}
OTHER = ("其他", 1, "客户误解,已解释说明")


def cause_for(seed: int | str, r: int, topic: str) -> tuple[str, str]:
    """(cause, note) of the demo's case number ``r`` (its place in the demo) on ``topic``."""
    rng = Random(f"causes/{seed}/{r}")
    options = (*CAUSES.get(topic, ()), OTHER)
    # the topic's usual causes three times as often as an unrelated one (其他: about 5 %)
    weights = [w * 3 for _c, w, _n in options[:-1]] + [OTHER[1]]
    cause, _w, note = rng.choices(options, weights=weights)[0]
    return cause, note
