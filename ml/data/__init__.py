"""Datasets and the one preprocessing path: CIFAR-10 batches, `<split>/<class>/<image>` folders and zips,
image decoding, augmentation, damaged copies of images, and the statistics of a dataset."""
