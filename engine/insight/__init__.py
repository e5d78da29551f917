"""Insight across runs: what `linclf runs` and the monitor show about many run folders.

Rows and their cells (`runrows`, `runcells`, `rowcache`), the filter expressions shared by the
CLI and the TUI (`runfilter`), notes and tags (`notes`), alert rules (`alerts`), the
hyper-parameter view's layout (`hparams`), smoothing and export of curves. It reads run folders
only through engine.store.
"""
