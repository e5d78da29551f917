"""`python -m linclf …` does what `linclf …` does."""

from linclf.tui.cli import run

run()
