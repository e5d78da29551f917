import math

import pytest

from linclf.engine.insight.runfilter import (
    ANY,
    BOOL,
    NUMBER,
    TAGS,
    TEXT,
    FilterError,
    matches_all,
    parse,
    parse_all,
    parse_line,
)

KINDS = {
    "eta": NUMBER,
    "val_acc": NUMBER,
    "head": TEXT,
    "status": TEXT,
    "flip": BOOL,
    "tags": TAGS,
    "note": TEXT,
    "extra": ANY,
}
ROW = {
    "eta": 0.01,
    "val_acc": 0.4123,
    "head": "sigmoid",
    "status": "completed",
    "flip": True,
    "tags": ("best", "ex2"),
    "note": "Looks Good",
    "extra": 7,
}


def holds(expression: str, row=ROW) -> bool:
    return parse(expression, KINDS).matches(row)


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("eta>=0.01", True),
        ("eta>0.01", False),
        ("eta<0.1", True),
        ("eta<=0.001", False),
        ("eta=0.01", True),
        ("eta==1e-2", True),
        ("eta!=0.01", False),
        ("eta=0.001,0.01", True),
        ("eta = 0.1, 0.001", False),
        ("val_acc>40%", True),
        ("val_acc>=41.5%", False),
        ("head=sigmoid", True),
        ("head=SIGMOID", True),
        ("head='sigmoid'", True),
        ("head=softmax", False),
        ("head!=softmax", True),
        ("head=softmax,sigmoid", True),
        ("head~gmo", True),
        ("head!~gmo", False),
        ("status=completed", True),
        ("status>b", True),
        ("flip=true", True),
        ("flip=off", False),
        ("flip!=no", True),
        ("tags=best", True),
        ("tags=ex2,zzz", True),
        ("tags=worst", False),
        ("tags!=worst", True),
        ("tags!=best", False),
        ("tags~ex", True),
        ("note~looks good", True),
        ("note=", False),
        ("note!=", True),
        ("extra>5", True),
        ("extra=7", True),
        ("extra~7", True),
    ],
)
def test_expressions_compare_as_documented(expression, expected):
    assert holds(expression) is expected


@pytest.mark.parametrize("cell", [None, math.nan, "abc", ()])
def test_a_missing_nan_or_unusable_cell_fails_every_comparison_but_the_negations(cell):
    row = {**ROW, "eta": cell}
    for expression in ("eta>=0", "eta<=0", "eta=0.01", "eta>0.001"):
        assert not holds(expression, row), expression
    assert holds("eta!=0.01", row)
    assert holds("eta=", row) is (cell != "abc")  # "abc" is there, if unusable


def test_an_empty_tag_list_and_a_missing_note_match_an_empty_value():
    row = {**ROW, "tags": (), "note": ""}
    assert holds("tags=", row) and holds("note=", row)
    assert not holds("tags=best", row) and holds("tags!=best", row)


@pytest.mark.parametrize(
    "expression, says",
    [
        ("eta", "write COLUMN OP VALUE"),
        ("", "write COLUMN OP VALUE"),
        (">=3", "write COLUMN OP VALUE"),
        ("etaa>=0.01", "did you mean eta?"),
        ("zzzzzz=1", "columns: eta, val_acc"),
        ("eta>=abc", "'abc' is not a number"),
        ("eta=0.01,x", "'x' is not a number"),
        ("eta~1", "~ needs a text column"),
        ("flip>true", "true or false"),
        ("flip=maybe", "true or false"),
        ("head>=", "a value is missing after >="),
    ],
)
def test_a_bad_expression_is_one_line_saying_what_is_wrong(expression, says):
    with pytest.raises(FilterError) as caught:
        parse(expression, KINDS)
    message = str(caught.value)
    assert says in message and "\n" not in message
    assert message.startswith(f"filter {expression!r}")


def test_every_expression_must_hold():
    conditions = parse_all(["eta>=0.01", "head=sigmoid"], KINDS)
    assert matches_all(conditions, ROW)
    assert not matches_all(conditions, {**ROW, "head": "softmax"})
    assert matches_all([], {})


def test_a_line_holds_expressions_separated_by_spaces_quoted_where_needed():
    conditions = parse_line('eta>=0.01  head=sigmoid "note~looks good"', KINDS)
    assert [c.column for c in conditions] == ["eta", "head", "note"]
    assert matches_all(conditions, ROW)
    assert parse_line("   ", KINDS) == []
    with pytest.raises(FilterError, match="No closing quotation"):
        parse_line('note~"open', KINDS)
