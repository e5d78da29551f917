"""Data loading: CIFAR-10 from disk into splits, trusting no file.

`splits` turns the batch files into the training, validation and test splits the engine trains
on; `batchfile` reads one batch through linclf's own bounded pickle interpreter (`unpickle`,
`pickle_vm`, `pickle_objects`, `pickled_arrays`: no code runs, memory bounded by the file);
`archive` and `tarstream` unpack the official archive safely; `download` fetches it.
Nothing here knows about training or run folders.
"""
