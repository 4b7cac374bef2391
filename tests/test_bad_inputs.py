"Bad input never crashes a run or loses work: images, captions, interrupted runs, checkpoints."
import hashlib, json, struct, zlib

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import semcomp
import semcomp.runner as runner
from semcomp.latent import LatentSettings
from semcomp.models import (CheckpointError, ConfigError, build_decoder, load_models, tiny_decoder_config, tiny_model_set)
from semcomp.pipeline import Settings
from semcomp.runner import run_folder

QUICK = Settings(steps=2, prior_steps=2, method="optimized", latent=LatentSettings(steps=2, iterations=1, inversion_iters=0))


def png_bytes(width, height, bit_depth, colour_type, raw_rows: bytes) -> bytes:
    "A minimal PNG written by hand (for depths and sizes Pillow will not write)."
    def chunk(kind, data): return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw_rows)) + chunk(b"IEND", b"")


def photo(w=40, h=30, seed=0):
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8))


def make_inputs(folder):
    "Every kind of image and caption the issue lists; returns {name: 'works' | expected error fragment}."
    images, texts = folder / "images", folder / "texts"
    images.mkdir(); texts.mkdir()
    expect = {}
    good = photo()
    good.save(images / "plain.png"); expect["plain"] = "works"
    data = (images / "plain.png").read_bytes()
    (images / "truncated.png").write_bytes(data[: len(data) // 2]); expect["truncated"] = "corrupt or truncated"
    (images / "text.jpg").write_text("this is not a picture"); expect["text"] = "not an image Pillow can read"
    (images / "empty.png").write_bytes(b""); expect["empty"] = "not an image Pillow can read"
    grey16 = np.random.default_rng(1).integers(0, 65536, (24, 32)).astype(np.uint16)
    Image.fromarray(grey16).save(images / "grey16.png"); expect["grey16"] = "works"
    rgb16 = np.random.default_rng(2).integers(0, 65536, (20, 30, 3)).astype(">u2")
    (images / "rgb16.png").write_bytes(png_bytes(30, 20, 16, 2, b"".join(b"\x00" + rgb16[y].tobytes() for y in range(20))))
    expect["rgb16"] = "works"
    Image.new("CMYK", (32, 24), (0, 128, 255, 10)).save(images / "cmyk.jpg"); expect["cmyk"] = "works"
    good.convert("P", palette=Image.ADAPTIVE).save(images / "palette.png"); expect["palette"] = "works"
    pal = good.convert("P", palette=Image.ADAPTIVE); pal.info["transparency"] = 0; pal.save(images / "palette_alpha.png", transparency=0)
    expect["palette_alpha"] = "works"
    rgba = good.convert("RGBA"); rgba.putalpha(128); rgba.save(images / "rgba.png"); expect["rgba"] = "works"
    good.convert("L").save(images / "grey.png"); expect["grey"] = "works"
    good.convert("LA").save(images / "grey_alpha.png"); expect["grey_alpha"] = "works"
    exif = Image.Exif(); exif[0x0112] = 6                                        # rotate 90° on display
    photo(40, 20).save(images / "rotated.jpg", exif=exif); expect["rotated"] = "works"
    photo(3, 2).save(images / "tiny.png"); expect["tiny"] = "works"              # smaller than the model
    photo(400, 7).save(images / "wide.png"); expect["wide"] = "works"
    photo(5, 300).save(images / "tall.png"); expect["tall"] = "works"
    (images / "bomb.png").write_bytes(png_bytes(30000, 30000, 1, 0, b"\x00" * 16)); expect["bomb"] = "too large to load safely"
    for name in expect: (texts / f"{name}.txt").write_text(f"a picture called {name}\n")
    # captions
    good.save(images / "nocaption.png"); expect["nocaption"] = "nocaption.txt: caption file not found"
    good.save(images / "blank.png"); (texts / "blank.txt").write_text("  \n\n"); expect["blank"] = "caption file is empty"
    good.save(images / "latin1.png"); (texts / "latin1.txt").write_bytes("un café crème".encode("latin-1")); expect["latin1"] = "not UTF-8"
    good.save(images / "several.png"); (texts / "several.txt").write_text("first caption\nsecond caption\nthird\n"); expect["several"] = "works"
    good.save(images / "long.png"); (texts / "long.txt").write_text(" ".join(["a very long caption about a small red square"] * 12))
    expect["long"] = "works"
    return expect


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_kind_of_image_and_caption_works_or_fails_alone(tmp_path):
    expect = make_inputs(tmp_path)
    before = digest(tmp_path / "images") | digest(tmp_path / "texts")
    lines = []
    summary = run_folder(tmp_path / "images", tmp_path / "texts", tmp_path / "out", tiny_model_set(), QUICK, progress=False, log=lines.append)
    assert digest(tmp_path / "images") | digest(tmp_path / "texts") == before           # inputs never modified
    doc = json.loads(summary.results_path.read_text())
    works = {r["name"]: r for r in doc["images"]}
    errors = {f["name"]: f["error"] for f in doc["failures"]}
    for name, outcome in expect.items():
        if outcome == "works":
            assert name in works, (name, errors.get(name))
            recon = Image.open(tmp_path / "out" / f"{name}_recon.png")
            with Image.open(next((tmp_path / "images").glob(f"{name}.*"))) as original:
                from PIL import ImageOps
                assert recon.size == ImageOps.exif_transpose(original).size, name   # decoded at the original's (upright) size
        else:
            assert outcome in errors[name] and name in errors[name], (name, errors.get(name))
            assert sum(line.startswith(f"FAILED {name}: ") for line in lines) == 1      # one line, naming the file
    assert works["rotated"]["original_size"] == [20, 40]
    assert works["several"]["caption"] == "first caption" and works["several"]["captions_in_file"] == 3
    assert works["several"]["caption_line"] == 1 and works["several"]["caption_choice"].startswith("line 1 of 3: the first line")
    assert works["long"]["caption_truncated"] and any("77 tokens" in line for line in lines)
    assert works["tiny"]["ssim"] is None and works["tiny"]["psnr"] is not None          # too small for SSIM: said, not crashed
    assert not summary.ok and not list((tmp_path / "out").glob(".*.tmp"))


def test_the_command_line_reports_failures_and_exits_1(tmp_path):
    make_inputs(tmp_path)
    done = semcomp("run", "--images", "images", "--texts", "texts", "--out", "out", "--preset", "tiny", "--steps", "2",
                   "--upsampler-steps", "2", "--iterations", "1", "--quiet", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "failed: truncated:" in done.stderr and "failed: bomb:" in done.stderr


def test_an_interrupted_run_keeps_what_it_finished_and_resumes(tmp_path, monkeypatch):
    (tmp_path / "images").mkdir(); (tmp_path / "texts").mkdir()
    for i in range(4):
        photo(seed=i).save(tmp_path / "images" / f"img{i}.png"); (tmp_path / "texts" / f"img{i}.txt").write_text("a picture")
    models, real = tiny_model_set(), runner.compress
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3: raise KeyboardInterrupt   # the user presses Ctrl-C during the third image
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "compress", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_folder(tmp_path / "images", tmp_path / "texts", tmp_path / "out", models, QUICK, progress=False, log=lambda *a: None)
    doc = json.loads((tmp_path / "out" / "results.json").read_text())               # valid JSON, the two finished images
    assert [r["name"] for r in doc["images"]] == ["img0", "img1"]
    assert not list((tmp_path / "out").glob(".*.tmp")) and not (tmp_path / "out" / "img2.sc").exists()
    monkeypatch.setattr(runner, "compress", real)
    summary = run_folder(tmp_path / "images", tmp_path / "texts", tmp_path / "out", models, QUICK, progress=False, log=lambda *a: None)
    assert summary.skipped == ["img0", "img1"] and summary.done == ["img2", "img3"] and summary.ok
    assert [r["name"] for r in summary.records] == ["img0", "img1", "img2", "img3"]


def test_an_interrupted_write_leaves_no_file(tmp_path, monkeypatch):
    from semcomp import core
    target = tmp_path / "x.png"
    target.write_bytes(b"the previous result")
    monkeypatch.setattr(core.os, "replace", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        core.save_png(np.zeros((4, 4, 3), np.uint8), target)
    assert target.read_bytes() == b"the previous result" and [p.name for p in tmp_path.iterdir()] == ["x.png"]


# checkpoints ------------------------------------------------------------------------------------------------------

@pytest.fixture
def model_folder(tmp_path):
    folder = tmp_path / "models"; folder.mkdir()
    (folder / "decoder_config.json").write_text(json.dumps(tiny_decoder_config()))
    torch.save(tiny_model_set().clip.state_dict(), folder / "open_clip_pytorch_model.bin")
    return folder


def refused(folder) -> str:
    with pytest.raises((CheckpointError, ConfigError)) as e:
        load_models(folder, "cpu")
    message = str(e.value)
    assert "\n" not in message and "decoder" in message
    return message


def test_a_prior_where_the_decoder_belongs_is_refused_with_key_counts(model_folder):
    tiny = tiny_model_set()
    torch.save(tiny.prior.state_dict(), model_folder / "decoder.pth")
    message = refused(model_folder)
    missing, unexpected = len(tiny.decoder.state_dict()), len(tiny.prior.state_dict())   # no name in common
    assert "decoder.pth: does not fit the Decoder" in message and f"{missing} missing" in message and f"{unexpected} unexpected" in message


def test_half_the_keys_missing_is_refused_with_key_counts(model_folder):
    state = tiny_model_set().decoder.state_dict()
    torch.save({k: state[k] for k in sorted(state)[::2]}, model_folder / "decoder.pth")
    assert "238 missing" in refused(model_folder)


def test_a_wrong_architecture_is_refused_with_shape_counts(model_folder):
    config = tiny_decoder_config(); config["decoder"]["unets"][0]["dim"] = 8
    torch.save(build_decoder(config["decoder"]).state_dict(), model_folder / "decoder.pth")
    assert "with the wrong shape" in refused(model_folder)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_damaged_checkpoint_is_refused(model_folder, damage):
    torch.save(tiny_model_set().decoder.state_dict(), model_folder / "decoder.pth")
    data = (model_folder / "decoder.pth").read_bytes()
    (model_folder / "decoder.pth").write_bytes({"truncated": data[: len(data) // 2], "garbage": b"hello world", "empty": b""}[damage])
    assert "decoder.pth: truncated or not a torch checkpoint" in refused(model_folder)


def test_a_damaged_checkpoint_on_the_command_line_is_one_line(model_folder, tmp_path):
    (model_folder / "decoder.pth").write_bytes(b"\x80\x02 not really a pickle")
    (tmp_path / "images").mkdir(); (tmp_path / "texts").mkdir()
    done = semcomp("run", "--images", "images", "--texts", "texts", "--models", model_folder, "--quiet", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "decoder.pth: truncated or not a torch checkpoint" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_compress_refuses_a_bad_image_or_caption_with_one_line(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    photo().save(tmp_path / "good.png")
    (tmp_path / "latin1.txt").write_bytes("un café".encode("latin-1"))
    for args, fragment in ((["broken.png", "--text", "a picture"], "broken.png: not an image Pillow can read"),
                           (["good.png", "--text-file", "latin1.txt"], "latin1.txt: not UTF-8"),
                           (["good.png", "--text", "   "], "the caption is empty"),
                           (["missing.png", "--text", "a picture"], "missing.png: file not found")):
        done = semcomp("compress", *args, "-o", "out.sc", "--preset", "tiny", "--quiet", cwd=tmp_path)
        assert done.returncode == 2 and fragment in done.stderr and "Traceback" not in done.stderr, done.stderr
        assert not (tmp_path / "out.sc").exists()


# files of another dalle2-pytorch ----------------------------------------------------------------------------------

def later_layout(state: dict, downsampling: bool, cross_attention: bool) -> dict:
    "A 1.1.0 state dict renamed the way later dalle2-pytorch versions name the downsampling and/or the cross-attention."
    out = {}
    for k, v in state.items():
        if cross_attention: k = k.replace(".cross_attn.fn.", ".cross_attn.")
        if downsampling and k.endswith((".downs.0.4.weight", ".downs.0.4.bias")): k = k.replace(".downs.0.4.", ".downs.0.4.1.")
        out[k] = v
    return out


def test_a_file_written_by_another_dalle2_pytorch_is_refused_naming_the_version(model_folder):
    import packaging.version
    tiny = tiny_model_set()
    torch.save({"version": packaging.version.Version("1.15.6"), "config": tiny_decoder_config(),
                "model": tiny.decoder.state_dict()}, model_folder / "decoder.pth")
    message = refused(model_folder)
    assert "decoder.pth: written by dalle2-pytorch 1.15.6" in message and "dalle2-pytorch 1.1.0" in message


@pytest.mark.parametrize("layout", ["downsampling", "cross-attention", "prior null embeddings"])
def test_tensor_names_of_a_later_layout_are_refused(model_folder, layout):
    tiny = tiny_model_set()
    if layout == "prior null embeddings":
        torch.save(tiny.decoder.state_dict(), model_folder / "decoder.pth")
        (model_folder / "prior_config.json").write_text(json.dumps({"prior": tiny.prior_config}))
        state = {k: v for k, v in tiny.prior.state_dict().items() if k != "net.null_text_embed"}
        state.update({"net.null_text_encodings": torch.zeros(1, 77, 32), "net.null_text_embeds": torch.zeros(1, 1, 32),
                      "net.null_image_embed": torch.zeros(1, 32)})
        torch.save(state, model_folder / "prior.pth")
        name, hint = "prior.pth", "≥ 1.9"
    else:
        state = later_layout(tiny.decoder.state_dict(), layout == "downsampling", layout == "cross-attention")
        torch.save(state, model_folder / "decoder.pth")
        name, hint = "decoder.pth", "≥ 1.10" if layout == "downsampling" else "≥ 1.14"
    with pytest.raises(CheckpointError) as e:
        load_models(model_folder, "cpu")
    message = str(e.value)
    assert "\n" not in message and name in message and "later dalle2-pytorch layout" in message and hint in message, message
