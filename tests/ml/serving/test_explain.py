import numpy as np

from ml.serving.explain import occlusion_map


def test_occlusion_finds_the_region_the_model_looks_at():
    def predict(images):
        # a "model" that is sure of class 1 when the top-left corner is bright
        bright = images[:, :8, :8].mean(axis=(1, 2, 3)) / 255.0
        return np.stack([1 - bright, bright], axis=1)

    image = np.zeros((32, 32, 3), np.uint8)
    image[:8, :8] = 255
    heat, target = occlusion_map(predict, image)
    assert target == 1 and heat.shape == (32, 32)
    assert heat[:4, :4].mean() > 0.5 > abs(heat[24:, 24:]).max()
    assert np.unravel_index(heat.argmax(), heat.shape)[0] < 8


def test_explicit_target_and_constant_model_gives_flat_map():
    heat, target = occlusion_map(lambda x: np.tile([0.3, 0.7], (len(x), 1)),
                                 np.full((32, 32, 3), 9, np.uint8), target=0)
    assert target == 0 and np.allclose(heat, 0)
