import io

import numpy as np
import pytest
from PIL import Image

from ml.data.preprocess import ImageDecodeError, decode_image, to_model_input


def _save(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def test_32x32_png_round_trips_exactly(synthetic_images, encode):
    image = synthetic_images(1)[0][0]
    assert np.array_equal(decode_image(encode(image, "PNG")), image)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF"])
def test_every_common_format_gives_a_32x32_rgb_array(fmt):
    image = Image.new("RGB", (300, 200), (200, 30, 40))
    out = decode_image(_save(image, fmt))
    assert out.shape == (32, 32, 3) and out.dtype == np.uint8
    assert abs(int(out[16, 16, 0]) - 200) < 12


def test_non_square_image_is_centre_cropped(encode):
    image = np.zeros((100, 300, 3), np.uint8)
    image[:, 100:200] = 255  # the white centre square survives the crop, the black sides do not
    out = decode_image(encode(image))
    assert out.mean() > 245 and out.min() > 200  # squashing instead would keep black sides


def test_transparency_is_flattened_onto_white():
    rgba = Image.new("RGBA", (40, 40), (255, 0, 0, 0))
    assert (decode_image(_save(rgba, "PNG")) == 255).all()
    palette = Image.new("P", (40, 40), 0)
    palette.putpalette([0, 0, 0] * 256)
    out = decode_image(_save(palette, "PNG", transparency=0))
    assert (out == 255).all()


def test_greyscale_16bit_and_cmyk_become_rgb():
    grey16 = Image.fromarray(np.full((40, 40), 65535, np.uint16))
    assert (decode_image(_save(grey16, "PNG")) == 255).all()
    grey = decode_image(_save(Image.new("L", (40, 40), 100), "PNG"))
    assert (grey == 100).all()
    cmyk = decode_image(_save(Image.new("CMYK", (40, 40), (0, 0, 0, 0)), "JPEG"))
    assert cmyk.shape == (32, 32, 3) and cmyk.min() > 240


def test_animated_gif_uses_first_frame():
    frames = [Image.new("RGB", (40, 40), colour) for colour in [(255, 255, 255), (0, 0, 0)]]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=50)
    assert decode_image(buffer.getvalue()).min() > 240


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (60, 30), (0, 0, 0))
    image.paste((255, 255, 255), (0, 0, 30, 30))  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display: the white half goes on top
    out = decode_image(_save(image, "JPEG", exif=exif, quality=95))
    assert out.shape == (32, 32, 3)
    assert out[:10].mean() > 200 and out[-10:].mean() < 60


def test_large_jpeg_is_downscaled():
    image = Image.new("RGB", (4000, 3000), (10, 200, 10))
    out = decode_image(_save(image, "JPEG"))
    assert out.shape == (32, 32, 3) and out[..., 1].mean() > 180


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"hello, this is text", "not an image"),
    ("truncated png", "damaged or truncated"),
])
def test_bad_inputs_raise_a_clear_error(data, message, encode):
    if data == "truncated png":
        data = encode(np.zeros((32, 32, 3), np.uint8), "PNG")[:60]
    with pytest.raises(ImageDecodeError, match=message):
        decode_image(data)


def test_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(ImageDecodeError, match="over the limit"):
        decode_image(_save(Image.new("L", (2000, 2000)), "PNG"), max_pixels=1_000_000)


def test_model_input_is_float32_nhwc_and_checks_shape():
    batch = to_model_input(np.zeros((32, 32, 3), np.uint8))
    assert batch.shape == (1, 32, 32, 3) and batch.dtype == np.float32
    with pytest.raises(ValueError, match="expected images"):
        to_model_input(np.zeros((2, 28, 28, 3), np.uint8))


def _on_canvas(obj: np.ndarray, canvas_side: int, background: int, at=None) -> np.ndarray:
    canvas = np.full((canvas_side, canvas_side, 3), background, np.uint8)
    top, left = at or ((canvas_side - obj.shape[0]) // 2, (canvas_side - obj.shape[1]) // 2)
    canvas[top:top + obj.shape[0], left:left + obj.shape[1]] = obj
    return canvas


def _stripes(height: int, width: int) -> np.ndarray:
    """A red-and-blue striped object: easy to tell from any plain background and from its own crop."""
    obj = np.zeros((height, width, 3), np.uint8)
    obj[..., 0] = np.where((np.arange(width) // max(1, width // 8)) % 2 == 0, 220, 20)
    obj[..., 2] = 255 - obj[..., 0]
    return obj


@pytest.mark.parametrize("background", [255, 230, 0])
def test_plain_border_is_trimmed_so_the_object_fills_the_frame(encode, background):
    obj = _stripes(160, 160)
    expected = decode_image(encode(obj))  # the object photographed filling the frame
    out = decode_image(encode(_on_canvas(obj, 600, background), "JPEG", quality=90))
    assert np.abs(out.astype(int) - expected).mean() < 8
    untrimmed = decode_image(encode(_on_canvas(obj, 600, background), "JPEG", quality=90), trim_border=False)
    assert np.abs(untrimmed.astype(int) - expected).mean() > 40  # what trimming rescues


def test_off_centre_and_wide_objects_are_kept_whole_on_a_square_of_the_background(encode):
    obj = _stripes(60, 240)
    out = decode_image(encode(_on_canvas(obj, 600, 255, at=(50, 320))))
    assert (out[:8] > 245).all() and (out[-8:] > 245).all()  # padded above and below with white
    middle = out[12:20]
    assert (middle[:, 0, 0] > 150).all() and (middle[:, -1, 0] < 100).all()  # both ends of the stripes


def test_photos_without_a_plain_border_and_32px_images_are_left_alone(encode, synthetic_images):
    scene = np.random.default_rng(0).integers(0, 255, (200, 200, 3), dtype=np.uint8)  # busy to the edges
    assert np.array_equal(decode_image(encode(scene)), decode_image(encode(scene), trim_border=False))
    small = _on_canvas(_stripes(12, 12), 32, 255)
    assert np.array_equal(decode_image(encode(small)), small)


def test_a_speck_of_dust_on_the_background_does_not_stop_the_trim(encode):
    obj = _stripes(100, 100)
    canvas = _on_canvas(obj, 500, 255)
    canvas[20, 30] = 0
    out = decode_image(encode(canvas))
    assert np.abs(out.astype(int) - decode_image(encode(obj))).mean() < 8


def test_tiny_and_extreme_photos_carry_a_warning_and_ordinary_ones_none():
    from ml.data.preprocess import photo_warnings

    [tiny] = photo_warnings(1, 1)
    assert "only 1×1 pixels" in tiny
    [wide] = photo_warnings(900, 300)
    assert "3.0 times as wide as it is tall" in wide and "middle square" in wide
    assert "as tall as it is wide" in photo_warnings(300, 700)[0]
    assert len(photo_warnings(20, 200)) == 2
    assert photo_warnings(32, 32) == photo_warnings(1200, 800) == []


def test_model_input_box_names_the_square_of_the_photo_the_models_see():
    from ml.data.preprocess import model_input_box

    wide_object = Image.fromarray(_on_canvas(_stripes(60, 240), 600, 255, at=(50, 320)))
    assert model_input_box(wide_object) == (320, 50 - 90, 240)  # reaches above the photo: white fills it
    assert model_input_box(wide_object, trim_border=False) == (0, 0, 600)
    busy = Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 300, 3), dtype=np.uint8))
    assert model_input_box(busy) == (50, 0, 200)  # no plain border: the centre square
