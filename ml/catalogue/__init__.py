"""Classifying a whole catalogue of photos into a results file, locally or on Ray, with the same rows,
resume and summary."""
