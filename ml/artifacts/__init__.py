"""The artifacts folder the dashboard reads: the manifest and its typed schema, staged writes that leave
earlier results whole, the figures stored for each model, and the dataset the folder was built from."""
