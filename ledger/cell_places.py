"""The places of a worksheet's cells, read from its XML tags as a stream: every cell and
row must lie in Excel's grid A1:XFD1048576, and their bounding box tells what
python-calamine would allocate for the sheet. Rows must come in increasing order, and
each cell in the row it names, after the cells before it in that row: otherwise the
readers lose or move a value (CellScan.check_order)."""

from __future__ import annotations

import re
from itertools import accumulate, islice, repeat
from operator import add, lt, mul

from ledger.refusal import LedgerRefused

MAX_ROW = 1_048_576  # Excel's grid: A1:XFD1048576
MAX_COL = 16_384
SHOWN_ROW_FAULTS = 5  # rows out of order named in the refusal; the rest are counted
SHOWN_CELL_FAULTS = 5  # cells out of place named in the refusal; the rest are counted
_KNOWN_SHAPES = 4096  # rows' column sequences remembered as in order (a sheet has a few)

# A cell (<c ...>, <x:c ...>) or a row start tag, whole (a tag holds no '<').
_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(c|row)(?=[\s/>])[^<]*")
_REF_ATTR_RE = re.compile(rb"\sr\s*=\s*[\"']([^\"']*)[\"']")
_CELL_REF_RE = re.compile(rb"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_MAX_TAG = 16 * 1024**2
_ROW_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s/>])[^<]*")
_MARKUP_OPEN_RE = re.compile(rb"<!--|<!\[CDATA\[|<\?")
_MARKUP_CLOSE = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}
# The usual forms, as our exporter, Excel and WPS write them: <c r="B2" ...>, <row r="2" ...>
_CELL_REF_FAST_RE = re.compile(rb'<c r="([A-Z]*)([0-9]*)"')
_ROW_REF_FAST_RE = re.compile(rb'<row r="([^"]*)"')
_CELL_COL_FAST_RE = re.compile(rb'<c r="([A-Z]*)')
_CELL_ROW_FAST_RE = re.compile(rb'<c r="[A-Z]*([0-9]*)"')
# any other form of a cell or row tag (no attribute, another space, a prefix), in two parts:
# the second is looked for only where the text holds ":c" or ":row" (a sheet has millions
# of ':', in times, for it to try). A prefix is a tag's: ":c " in a value is text.
_ODD_PLAIN_TAG_RE = re.compile(rb"<(?:c|row)[>/\t\n\r]")
_ODD_PREFIXED_TAG_RE = re.compile(rb"</?[A-Za-z_][\w.-]*:(?:c|row)[\s/>]")
# A '<' that does not open one of the usual sheet's tags (a row, a cell, a value, inline
# text, their ends). A chunk without one holds no processing instruction, comment, CDATA,
# DTD, formula, prefixed tag nor a row or cell tag in another form: the searches for each
# of those (a pass over the chunk each) are left out there, one pass instead of five.
_UNUSUAL_TAG_RE = re.compile(
    rb'<(?!c r="|row r="|v>|/v>|/c>|/row>|is>|/is>|t>|/t>|t xml:space="preserve">)'
)


def _odd_tags(whole: bytes) -> bool:
    """Whether ``whole`` holds a cell or row tag in another form."""
    if _ODD_PLAIN_TAG_RE.search(whole) is not None:
        return True
    return (b":c" in whole or b":row" in whole) and _ODD_PREFIXED_TAG_RE.search(whole) is not None


def _numbers(texts: set[bytes], limit: int) -> list[int] | None:
    """The numbers written in ``texts``, or None when one is not 1 to ``limit`` in at
    most 7 digits."""
    if not texts or min(map(len, texts)) < 1 or max(map(len, texts)) > 7:
        return None
    if not b"".join(texts).isdigit():
        return None
    nums = list(map(int, texts))
    return nums if min(nums) >= 1 and max(nums) <= limit else None


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _column_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


class CellScan:
    """The places of a worksheet's cells, read from the tags as a stream: every cell and
    row must lie in Excel's grid (else the file is refused, naming the sheet part and the
    cell), and the bounding box and cell count give what calamine would allocate. A cell
    or row without a reference takes the next place, as readers count it.

    Rows must come in increasing order of their numbers: every reader drops (or merges into
    another) a row numbered at most as high as one before it, so such rows are noted as
    they pass and check_order refuses the sheet, naming them.

    So must the cells of a row, each naming the row it sits in: of a cell written twice
    every reader keeps one value; a cell after one further right is dropped or moved by
    openpyxl; a cell naming another row, or in none, is put in the row it names by
    calamine and in the row it sits in (or nowhere) by the others, over a value already
    there. Such cells are noted as they pass too; a cell without a reference takes the
    next column, as readers count it, and is always in order."""

    def __init__(self, file: str, where: str):
        self.file, self.where = file, where
        self.cells = 0
        self.min_row = self.min_col = 1 << 40
        self.max_row = self.max_col = 0
        self.row = 0
        self.col = 0
        self.top_row = 0  # the highest row number met so far
        self._order_row = 0  # the last row met (a row without a number follows it)
        self._closer: bytes | None = None  # the end of the comment (…) the last chunk is in
        self.row_faults: list[tuple[int, int]] = []  # (row, top_row before it), the first
        self.row_fault_count = 0
        self._cell_col = 0  # the column of the last cell of the row last met (0: none yet)
        self._shapes: set[tuple[bytes, ...]] = set()  # rows' column letters known in order
        self.cell_faults: list[str] = []  # the first cells out of place, in words
        self.cell_fault_count = 0
        # Every row and cell tag in its usual form with its reference, and no comment,
        # CDATA or processing instruction after the prolog: a sheet whose rows can be cut
        # apart at their tags (ledger.calamine_chunks).
        self.plain = True
        self._instructions = 0
        # the text the last feed scanned had only the usual tags (_UNUSUAL_TAG_RE)
        self.usual = False

    def _refuse(self, ref: str, what: str) -> LedgerRefused:
        return LedgerRefused(
            f"{self.file}:{self.where}中有{what}“{ref[:40]}”,超出 Excel 的范围 "
            f"A1:XFD1048576(或写法不对),文件可能已损坏或被改动,已拒绝"
        )

    def feed(self, buf: bytes) -> bytes:
        """Scan the whole tags of ``buf``; returns the unfinished rest (from its last
        '<') to be fed again with the next chunk."""
        cut = buf.rfind(b"<")
        if cut < 0:
            cut = len(buf)
        if len(buf) - cut > _MAX_TAG:
            raise LedgerRefused(f"{self.file}:{self.where}中有异常的超长标记,已拒绝")
        whole = buf[:cut]
        # every tag of ``whole`` is whole (it ends before a '<'): the look-ahead sees it all
        self.usual = _UNUSUAL_TAG_RE.search(whole) is None
        instructions = 0 if self.usual else whole.count(b"<?")
        bang = not self.usual and b"<!" in whole
        markup = instructions > 0 or bang or self._closer is not None
        if self.plain:
            self._instructions += instructions
            self.plain = self._instructions <= 1 and not bang
        # The usual sheet: every row and cell carries its reference. Then the references
        # are checked by their distinct parts, at the regex engine's speed (a big file has
        # tens of millions of cells); anything else is walked tag by tag, in order.
        letters = _CELL_COL_FAST_RE.findall(whole)
        digits = _CELL_ROW_FAST_RE.findall(whole)
        row_tags = list(_ROW_REF_FAST_RE.finditer(whole))
        rows = [m[1] for m in row_tags]
        # the cells before the first row tag, then after each (their sum is every cell)
        at = [0, *[m.start() for m in row_tags], len(whole)]
        counts = list(map(whole.count, repeat(b"<c "), at, islice(at, 1, None)))
        n = sum(counts)
        if (
            len(letters) == n
            and len(digits) == n
            and len(rows) == whole.count(b"<row ")
            and (self.usual or not _odd_tags(whole))
        ):
            self._fast(letters, digits, rows, whole)
            fast = True
        else:
            self._walk(whole)
            fast = False
        # the rows' order as readers see it: comments, CDATA and processing instructions
        # hold no rows (the places above are checked in them too, as before)
        if fast and not markup:
            if not self._cells_fast(letters, digits, rows, counts):
                self._cells_walk(whole)
            self._order(list(map(int, rows)))
        else:
            text = self._outside_markup(whole) if markup else whole
            # the usual markup (the XML declaration) holds no row or cell tag
            usual = fast and text.count(b"<c ") == n and text.count(b"<row ") == len(rows)
            if not usual or not self._cells_fast(letters, digits, rows, counts):
                self._cells_walk(text)
            self._order_walk(text)
        return buf[cut:]

    def _outside_markup(self, whole: bytes) -> bytes:
        """``whole`` without its comments, CDATA sections and processing instructions
        (one may go on into the next chunk: their ends hold no '<', so none is cut)."""
        parts = []
        at = 0
        while at < len(whole):
            if self._closer is not None:
                end = whole.find(self._closer, at)
                if end < 0:
                    break
                at = end + len(self._closer)
                self._closer = None
                continue
            m = _MARKUP_OPEN_RE.search(whole, at)
            if m is None:
                parts.append(whole[at:])
                break
            parts.append(whole[at : m.start()])
            self._closer = _MARKUP_CLOSE[m.group(0)]
            at = m.end()
        return b"".join(parts)

    def _order(self, nums: list[int]) -> None:
        """Note the rows numbered ``nums`` (in file order) that come after a row numbered
        as high or higher."""
        if not nums:
            return
        if nums[0] <= self.top_row or not all(map(lt, nums, islice(nums, 1, None))):
            for n in nums:
                if n <= self.top_row:
                    self.row_fault_count += 1
                    if len(self.row_faults) < SHOWN_ROW_FAULTS:
                        self.row_faults.append((n, self.top_row))
                else:
                    self.top_row = n
        self.top_row = max(self.top_row, nums[-1])
        self._order_row = nums[-1]

    def _order_walk(self, text: bytes) -> None:
        """_order for rows in any form (a row without a number follows the one before)."""
        nums: list[int] = []
        row = self._order_row
        for m in _ROW_TAG_RE.finditer(text):
            ref = _REF_ATTR_RE.search(m.group(0))
            digits = ref.group(1).strip() if ref is not None else b""
            row = int(digits) if digits.isdigit() else row + 1
            nums.append(row)
        self._order(nums)

    def _cells_fast(
        self, letters: list[bytes], digits: list[bytes], rows: list[bytes], counts: list[int]
    ) -> bool:
        """Whether every cell of a chunk in the usual form sits in the row it names, after
        the cells before it in that row (then the state moves on); False leaves it to
        _cells_walk to name what is out of place (or to find that "A05" is in row 5).
        Compared at C speed: the cells' row numbers with each row's number repeated for
        its cells, and each row's sequence of column letters (a sheet has few)."""
        numbers = [str(self._order_row).encode(), *rows]
        expected = b"".join(map(mul, map(add, numbers, repeat(b",")), counts))
        if expected != (b",".join(digits) + b"," if digits else b""):
            return False
        ends = list(accumulate(counts))
        by_cell = tuple(letters)
        shapes = set(map(by_cell.__getitem__, map(slice, [0, *ends], ends)))
        new = shapes - self._shapes
        for shape in new:
            cols = list(map(_column_number, shape))
            if not all(map(lt, cols, islice(cols, 1, None))):
                return False
        if counts[0] and _column_number(letters[0]) <= self._cell_col:
            return False  # the row the chunk goes on with
        if len(self._shapes) + len(new) > _KNOWN_SHAPES:
            self._shapes.clear()
        self._shapes |= new
        if counts[-1]:
            self._cell_col = _column_number(letters[-1])
        elif len(counts) > 1:
            self._cell_col = 0
        return True

    def _cells_walk(self, text: bytes) -> None:
        """Note each cell of ``text`` (tags in any form) that is not in the row it names,
        in no row, or not after the cells before it in its row. A cell without a
        reference takes the next column of the row it is in."""
        row, col = self._order_row, self._cell_col
        for m in _TAG_RE.finditer(text):
            ref = _REF_ATTR_RE.search(m.group(0))
            if m.group(1) == b"row":
                digits = ref.group(1).strip() if ref is not None else b""
                row = int(digits) if digits.isdigit() else row + 1
                col = 0
                continue
            cm = _CELL_REF_RE.fullmatch(ref.group(1).strip()) if ref is not None else None
            if ref is not None and cm is None:
                continue  # no place at all (the places' check refuses it)
            at, named = (int(cm[2]), _column_number(cm[1])) if cm else (row, col + 1)
            place = f"{_column_letters(named)}{at}"
            if row == 0:
                self._cell_fault(f"单元格 {place} 不在任何行内" if cm else "有单元格不在任何行内")
            elif at != row:
                self._cell_fault(f"第 {row} 行中的单元格标为 {place}(第 {at} 行)")
            elif named == col:
                self._cell_fault(f"第 {row} 行的单元格 {place} 出现了两次")
            elif named < col:
                before = f"{_column_letters(col)}{row}"
                self._cell_fault(f"第 {row} 行的单元格 {place} 排在 {before} 之后")
            col = named
        self._cell_col = col

    def _cell_fault(self, said: str) -> None:
        self.cell_fault_count += 1
        if len(self.cell_faults) < SHOWN_CELL_FAULTS:
            self.cell_faults.append(said)

    def _fast(
        self, letters: list[bytes], digits: list[bytes], rows: list[bytes], whole: bytes
    ) -> None:
        if rows and _numbers(set(rows), MAX_ROW) is None:
            for text in set(rows):
                if not text.isdigit() or len(text) > 7 or not 1 <= int(text) <= MAX_ROW:
                    raise self._refuse(text.decode("ascii", "replace"), "行号")
        if rows:
            self.row = int(rows[-1])
            self.col = 0
        if not letters:
            return
        cols = set()
        for text in set(letters):
            col = _column_number(text) if 1 <= len(text) <= 3 else MAX_COL + 1
            if col > MAX_COL:
                raise self._refuse(self._cell_with(whole, 0, text), "单元格")
            cols.add(col)
        distinct = set(digits)
        nums = _numbers(distinct, MAX_ROW)
        if nums is None:
            for text in distinct:
                n = int(text) if text and len(text) <= 7 and text.isdigit() else 0
                if not 1 <= n <= MAX_ROW:
                    raise self._refuse(self._cell_with(whole, 1, text), "单元格")
            raise AssertionError("_numbers refused a valid reference")  # pragma: no cover
        self.cells += len(letters)
        self.min_row = min(self.min_row, *nums)
        self.max_row = max(self.max_row, *nums)
        self.min_col = min(self.min_col, *cols)
        self.max_col = max(self.max_col, *cols)
        self.col = _column_number(letters[-1]) if int(digits[-1]) == self.row else self.col

    @staticmethod
    def _cell_with(whole: bytes, part: int, text: bytes) -> str:
        """The first cell reference whose letters (part 0) or digits (1) are ``text``."""
        ref = next(m for m in _CELL_REF_FAST_RE.findall(whole) if m[part] == text)
        return (ref[0] + ref[1]).decode("ascii", "replace")

    def _walk(self, whole: bytes) -> None:
        self.plain = False
        for m in _TAG_RE.finditer(whole):
            tag = m.group(0)
            ref = _REF_ATTR_RE.search(tag)
            if m.group(1) == b"row":
                if ref is None:
                    self.row += 1
                else:
                    text = ref.group(1).strip()
                    if not text.isdigit() or len(text) > 7 or not 1 <= int(text) <= MAX_ROW:
                        raise self._refuse(text.decode("ascii", "replace"), "行号")
                    self.row = int(text)
                self.col = 0
                if self.row > MAX_ROW:
                    raise self._refuse(str(self.row), "行号")
                continue
            self.cells += 1
            if ref is None:
                row, col = max(self.row, 1), self.col + 1
            else:
                text = ref.group(1).strip()
                cm = _CELL_REF_RE.fullmatch(text)
                if cm is None:
                    raise self._refuse(text.decode("ascii", "replace"), "单元格")
                col, row = _column_number(cm.group(1)), int(cm.group(2))
            if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
                raise self._refuse(
                    f"{_column_letters(col)}{row}"
                    if col <= 18278 or ref is None
                    else ref.group(1).decode("ascii", "replace"),
                    "单元格",
                )
            self.col = col
            self.min_row = min(self.min_row, row)
            self.max_row = max(self.max_row, row)
            self.min_col = min(self.min_col, col)
            self.max_col = max(self.max_col, col)

    def check_order(self) -> None:
        """Refuse the sheet if a row came after one numbered as high or higher, or a cell
        was out of place (call after the last feed): no reader would import it whole,
        and no row or value may be lost silently."""
        if not self.row_fault_count:
            self._check_cells()
            return
        named = "、".join(
            f"第 {n} 行出现了两次" if n == top else f"第 {n} 行排在第 {top} 行之后"
            for n, top in self.row_faults
        )
        if self.row_fault_count > len(self.row_faults):
            named += f"等,共 {self.row_fault_count} 处"
        raise LedgerRefused(
            f"{self.file}:{self.where}中行的次序不对:{named}。读取时这些行会被漏掉,"
            "文件可能已损坏或被改动,已拒绝;请重新导出后再导入"
        )

    def _check_cells(self) -> None:
        if not self.cell_fault_count:
            return
        named = "、".join(self.cell_faults)
        if self.cell_fault_count > len(self.cell_faults):
            named += f"等,共 {self.cell_fault_count} 处"
        raise LedgerRefused(
            f"{self.file}:{self.where}中单元格的位置不对:{named}。读取时这些单元格的值会被"
            "漏掉、覆盖或放错位置,文件可能已损坏或被改动,已拒绝;请重新导出后再导入"
        )

    @property
    def width(self) -> int:
        """Columns of the cells' bounding box (0 for a sheet without cells)."""
        return self.max_col - self.min_col + 1 if self.cells else 0

    def calamine_bytes(self, xml_size: int) -> int:
        """calamine's peak for this sheet, generously: the cells it collects (40 bytes
        each, plus their text, at most the part's size), then the dense grid of their
        bounding box (32 bytes a place) beside them."""
        if not self.cells:
            return 0
        area = (self.max_row - self.min_row + 1) * (self.max_col - self.min_col + 1)
        return 32 * area + 72 * self.cells + xml_size
