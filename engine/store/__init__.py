"""The run store: run folders written live and read back by anyone who watches them.

`runs` writes a run folder (RunRecorder only writes); `runread`, `historytail` and `npzread`
read one with bounded, non-blocking reads; `runwatch` and `searchread` poll a tree of them;
`results` keeps a search's results.csv. The format is documented in outputs/README.md.
Nothing here trains or draws.
"""
