"""figures._repeat_groups links the cases of a shared phone or VIN exactly as a union-find
over every case did (the reference below), whatever the keys."""

from collections import defaultdict

from hypothesis import given
from hypothesis import strategies as st

from complaints.rules.figures import _repeat_groups


def reference(keys):
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_by_key: dict[tuple[str, str], int] = {}
    for cid, phone, vin in keys:
        parent.setdefault(cid, cid)
        for key, value in (("phone", phone), ("vin", vin)):
            v = (value or "").strip().upper()
            if not v:
                continue
            other = first_by_key.setdefault((key, v), cid)
            if other != cid:
                parent[find(cid)] = find(other)
    groups: dict[int, list[int]] = defaultdict(list)
    for cid in parent:
        groups[find(cid)].append(cid)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g))


values = st.one_of(st.none(), st.sampled_from(["", " ", "138", " 138 ", "abc", "ABC", "lvs1"]))


@given(st.lists(st.tuples(st.integers(1, 40), values, values), max_size=60))
def test_the_same_groups_as_a_union_find_over_every_case(keys):
    assert _repeat_groups(keys) == reference(keys)


def test_a_phone_and_a_vin_of_the_same_text_do_not_link():
    assert _repeat_groups([(1, "X1", None), (2, None, "X1"), (3, " x1 ", None)]) == [[1, 3]]
