"""The doors of linclf: the Typer command line (cli/) and the Textual training monitor."""

if __name__ != "linclf.tui":
    # See engine/__init__.py: one package, one name.
    raise ImportError(f"this folder is the package linclf.tui; import it as such, not {__name__}")
