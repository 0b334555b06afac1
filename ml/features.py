"""The old path of the HOG transformer, kept for one release: the committed baselines were pickled
when it lived here (`ml.features.HOGTransformer`), and unpickling finds a class by that path. The
next `ml train` pickles `ml.models.features`; then this module goes."""

from ml.models.features import HOGTransformer

__all__ = ["HOGTransformer"]
