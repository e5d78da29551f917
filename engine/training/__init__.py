"""Training: the spec's maths, the epoch loop and the one train-and-record path.

`model` holds equations (1)-(14); `train` the mini-batch loop that yields EpochStats; `recording`
is the one path every door that trains uses (load, train, record each epoch in the run store,
score the test set and draw the plots once at the end); `worker`, `search` and `executor` run
many configurations; `plots` and `plot_worker` draw the figures; `gradcheck` checks the
gradients against PyTorch.
"""
