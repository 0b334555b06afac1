"""The data audit: near duplicates across splits, suspect labels (from out-of-fold predictions),
neighbours in the embedding space and the map of the dataset."""
