"""The numpy engine of linclf: the spec's maths, data, training, run store and experiments.

No UI imports here (no textual, typer or rich); torch only in the gradient check.
"""

if __name__ != "linclf.engine":
    # The folder is installed as linclf.engine: imported under another name, every module
    # would load twice and its classes would not match the installed ones.
    raise ImportError(
        f"this folder is the package linclf.engine; import it as such, not {__name__}"
    )
