"""The Markdown report's maths is LaTeX that Markdown viewers render, translated from the
Typst maths the PDF is set from."""

import pytest

from linclf.engine.report.latex import latex


@pytest.mark.parametrize(
    "typst, expected",
    [
        ("bold(x) in RR^d", r"\mathbf{x} \in \mathbb{R}^{d}"),
        ('n_"batch" = 100', r"n_{\text{batch}} = 100"),
        ("sqrt(p(1-p) \\/ n)", r"\sqrt{p(1-p) / n}"),
        ("lambda sum_(i j) W_(i j)^2", r"\lambda \sum_{i j} W_{i j}^{2}"),
        ("sum_(k=1)^K y_k", r"\sum_{k=1}^{K} y_{k}"),
        ("(p_k - y_k) / (K p_k)", r"\frac{p_{k} - y_{k}}{K p_{k}}"),
        (
            "exp(bold(s)) / (bold(1)^T exp(bold(s)))",
            r"\frac{\exp(\mathbf{s})}{\mathbf{1}^{T} \exp(\mathbf{s})}",
        ),
        ('k^* = op("arg max")_k p_k', r"k^{*} = \operatorname{arg\,max}_{k} p_{k}"),
        ("j != k", r"j \neq k"),
        ("W <- W", r"W \leftarrow W"),
        (
            'cases(1 & "a", g_(n, i j) & "b")',
            r"\begin{cases}1 & \text{a} \\ g_{n, i j} & \text{b}\end{cases}",
        ),
    ],
)
def test_typst_maths_becomes_latex(typst, expected):
    assert latex(typst) == expected


def test_every_equation_of_the_report_leaves_no_typst_behind():
    """No Typst-only word (bold(, cal(, op(, RR) survives in the report's own equations."""
    from linclf.engine.report import method

    sources = []

    class Collect:
        def paragraph(self, markup):
            pass

        def heading(self, markup, level=2):
            pass

        def equation(self, source, label=None):
            sources.append(source)

    method.model_equations(Collect())
    assert len(sources) == 3
    for source in sources:
        text = latex(source)
        assert not any(word in text for word in ("bold(", "cal(", "op(", "RR", '"'))
