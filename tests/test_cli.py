"End-to-end runs of `semcomp run` in temporary folders."
import json, math

import numpy as np
import torch
from PIL import Image, ImageOps

from conftest import semcomp
from semcomp.models import (build_decoder, save_checkpoint, tiny_decoder_config, tiny_prior_config,
                            tiny_model_set)

FAST = ["--steps", "6", "--prior-steps", "4", "--upsampler-steps", "3", "--iterations", "3", "--quiet"]
SAMPLES = ["astronaut", "chelsea", "coffee", "rocket"]


def independent_psnr(original_path, recon_path):
    "PSNR of a saved reconstruction against its original, computed here from scratch (PIL + NumPy, float64)."
    recon = Image.open(recon_path).convert("RGB")
    with Image.open(original_path) as im:
        ref = ImageOps.exif_transpose(im).convert("RGB").resize(recon.size, Image.LANCZOS)
    diff = np.asarray(ref, dtype=np.float64) - np.asarray(recon, dtype=np.float64)
    return 10 * math.log10(255 ** 2 / np.mean(diff ** 2))


def test_run_on_the_samples_with_the_demo_models(samples):
    done = semcomp("run", "--out", "result", *FAST, cwd=samples)
    assert done.returncode == 0, done.stderr
    assert "demo models" in done.stdout and "untrained" in done.stdout
    doc = json.loads((samples / "result" / "results.json").read_text())
    assert [r["name"] for r in doc["images"]] == SAMPLES and doc["failures"] == []
    for rec in doc["images"]:
        for key in ("name", "caption", "method", "psnr", "ssim", "ms_ssim", "bytes", "bpp", "bits", "psnr_model_size", "nfe",
                    "nfe_encode", "nfe_decode", "seconds", "seconds_encode", "seconds_decode", "settings", "seed", "model",
                    "model_fingerprint", "versions"):
            assert key in rec, key
        assert rec["method"] == "optimized" and rec["seed"] == 0 and rec["settings"]["latent"]["steps"] == 3
        # inversion: 3 steps × (1 + 2 fixed-point); 3 passes of 3 steps, 2 of them recomputed for the 2 backward passes;
        # one decoding run that shows every step's x̂₀; the decoder stops at the step the encoder chose
        assert (rec["nfe_encode"], rec["nfe_backward"]) == (9 + 9 + 6 + 3, 6)
        assert rec["nfe_decode"] == rec["decode"]["stop_at"] <= 3 and len(rec["decode"]["psnr_by_step"]) == 3
        assert "demo" in rec["model"] and rec["versions"]["torch"] == torch.__version__
        out = samples / "result"
        for kind in ("figure", "latent", "cond"):
            assert (out / f"{rec['name']}_{kind}.png").stat().st_size > 0
        assert Image.open(out / f"{rec['name']}_cond.png").size == (16, 16)
        recon = out / f"{rec['name']}_recon.png"
        original = samples / "images" / f"{rec['name']}.png"
        assert Image.open(recon).size == Image.open(original).size   # decoded at the original's size
        # exact: the squared differences of 8-bit pixels are integers, summed exactly in float64 in any order
        assert rec["psnr"] == independent_psnr(original, recon)
        sc = out / f"{rec['name']}.sc"
        assert rec["bytes"] == sc.stat().st_size and rec["bpp"] == 8 * rec["bytes"] / (Image.open(original).size[0] * Image.open(original).size[1])
        assert sum(rec["bits"].values()) == 8 * rec["bytes"] and {"header", "settings", "cond", "latent", "checksum"} <= set(rec["bits"])
    assert doc["mean_psnr"] == np.mean([r["psnr"] for r in doc["images"]])


def test_the_default_run_picks_a_structure_for_the_tables_rate_and_decodes_bit_identically(samples):
    "`semcomp run` with no options: method auto at the built-in table's default rate; every file fits it, says what won, and decodes to its recon."
    from semcomp.modes import load_table
    done = semcomp("run", "--out", "result", "--quiet", cwd=samples)
    assert done.returncode == 0, done.stderr
    table = load_table()
    target = round(table.default_bpp * 64 * 64 / 8)
    doc = json.loads((samples / "result" / "results.json").read_text())
    assert [r["name"] for r in doc["images"]] == SAMPLES
    for rec in doc["images"]:
        s = rec["structure"]
        assert rec["settings"]["method"] == "auto" and s["target_from"] == "the table's default rate" and s["target_bytes"] == target
        assert rec["bytes"] <= target and s["chosen"] in {f.label for f in table.families}
        assert s["settings"]["method"] == rec["method"] != "auto" and f"structure: {s['chosen']}" in done.stdout
        fitted = [t for t in s["tried"] if "psnr" in t]
        assert max(fitted, key=lambda t: t["psnr"])["structure"] == s["chosen"]            # the best file won
        assert any(t["method"] == "transform" for t in s["tried"])                          # the transform coder alone is always tried
        dec = semcomp("decompress", f"result/{rec['name']}.sc", "-o", f"{rec['name']}_dec.png", "--quiet", cwd=samples)
        assert dec.returncode == 0, dec.stderr
        assert np.array_equal(np.asarray(Image.open(samples / f"{rec['name']}_dec.png")), np.asarray(Image.open(samples / "result" / f"{rec['name']}_recon.png")))


def test_caption_only_path_on_the_untrained_preset(samples):
    done = semcomp("run", "--out", "result", "--method", "caption", "--preset", "tiny", *FAST, cwd=samples)
    assert done.returncode == 0, done.stderr
    assert "UNTRAINED" in done.stdout
    doc = json.loads((samples / "result" / "results.json").read_text())
    for rec in doc["images"]:
        assert rec["method"] == "caption" and rec["nfe"] == rec["nfe_decode"] == 4 + 6 + 6 and rec["nfe_encode"] == 0
        assert rec["psnr"] == independent_psnr(samples / "images" / f"{rec['name']}.png", samples / "result" / f"{rec['name']}_recon.png")


def test_a_bad_image_or_a_missing_caption_fails_alone(samples):
    (samples / "images" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    Image.new("RGB", (20, 10), "red").save(samples / "images" / "nocaption.png")
    (samples / "texts" / "broken.txt").write_text("a broken file\n")
    done = semcomp("run", "--out", "result", *FAST, cwd=samples)
    assert done.returncode == 1
    doc = json.loads((samples / "result" / "results.json").read_text())
    assert [r["name"] for r in doc["images"]] == SAMPLES
    errors = {f["name"]: f["error"] for f in doc["failures"]}
    assert set(errors) == {"broken", "nocaption"}
    assert "broken.jpg" in errors["broken"] and "nocaption.txt: caption file not found" in errors["nocaption"]
    assert "failed: broken" in done.stderr


def test_laion_format_files_under_the_seeds_names_load_and_decode_the_same(samples, tmp_path):
    "The preset saved as LAION files (unet 1 alone in decoder.pth, the seed's second_decoder.* for the upsampler) gives the same pictures."
    preset = tiny_model_set(seed=0)
    models = samples / "laion"
    models.mkdir()
    one_unet = tiny_decoder_config()
    d = one_unet["decoder"]
    d.update(unets=d["unets"][:1], image_sizes=d["image_sizes"][:1], beta_schedule=d["beta_schedule"][:1], learned_variance=[True])
    first = build_decoder(d)
    first.unets[0].load_state_dict(preset.decoder.unets[0].state_dict())
    save_checkpoint(models / "decoder.pth", first, one_unet)                       # {'version','config','model'}
    upsampler_sd = {k: v for k, v in preset.decoder.state_dict().items()}
    upsampler_sd.update({k: torch.zeros_like(v) for k, v in upsampler_sd.items() if k.startswith("unets.0.")})  # unet 1 untrained
    upsampler_sd["clip.token_embedding.weight"] = torch.zeros(3, 2)               # saved before CLIP was stripped
    torch.save(upsampler_sd, models / "second_decoder.pth")                         # raw state dict
    (models / "second_decoder_config.json").write_text(json.dumps(tiny_decoder_config()))
    torch.save(preset.prior.state_dict(), models / "prior.pth")
    (models / "prior_config.json").write_text(json.dumps(tiny_prior_config()))
    torch.save(preset.clip.state_dict(), models / "open_clip_pytorch_model.bin")

    # the same guidance for both (files in LAION's formats default to LAION's published 1.7, the preset to 1.0)
    a = semcomp("run", "--out", "from_files", "--models", models, "--method", "caption", "--cond-scale", "1", *FAST, cwd=samples)
    b = semcomp("run", "--out", "from_preset", "--preset", "tiny", "--method", "caption", *FAST, cwd=samples)
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    doc = json.loads((samples / "from_files" / "results.json").read_text())
    assert doc["model_trained"] is True
    rec = doc["images"][0]["inference"]
    assert rec["cond_scale"] == {"value": 1.0, "from": "given"} and rec["prior_candidates"]["value"] == 2
    assert rec["prior_candidates"]["from"].startswith("LAION's published inference settings")
    assert "second_decoder.pth: loaded" in doc["model_sources"]["upsampler"] and "ignored 1 clip.*" in doc["model_sources"]["upsampler"]
    assert "decoder.pth" in doc["model_sources"]["decoder"] and "prior.pth" in doc["model_sources"]["prior"]
    for name in SAMPLES:
        assert (samples / "from_files" / f"{name}_recon.png").read_bytes() == (samples / "from_preset" / f"{name}_recon.png").read_bytes()


def test_a_checkpoint_that_would_run_code_is_refused(samples):
    import os

    class Payload:
        def __reduce__(self): return (os.system, (f"touch {samples / 'pwned'}",))

    models = samples / "evil"
    models.mkdir()
    (models / "decoder_config.json").write_text(json.dumps(tiny_decoder_config()))
    torch.save({"model": {}, "x": Payload()}, models / "decoder.pth")
    done = semcomp("run", "--out", "r", "--models", models, *FAST, cwd=samples)
    assert done.returncode == 2
    assert "--trust-checkpoints" in done.stderr and "Traceback" not in done.stderr
    assert not (samples / "pwned").exists()


def test_compress_then_decompress_in_another_process_is_bit_identical(samples):
    "What `compress` scored (--recon) is what a separate `decompress` writes, byte for byte; for a square and a non-square sample, padded and cropped."
    for name, fit in (("astronaut", "pad"), ("chelsea", "pad"), ("coffee", "crop")):
        enc = semcomp("compress", f"images/{name}.png", "--text-file", f"texts/{name}.txt", "-o", f"{name}.sc", "--recon", f"{name}_enc.png",
                      "--fit", fit, *FAST, cwd=samples)
        assert enc.returncode == 0, enc.stderr
        assert "bpp" in enc.stdout
        dec = semcomp("decompress", f"{name}.sc", "-o", f"{name}_dec.png", "--quiet", cwd=samples)
        assert dec.returncode == 0, dec.stderr
        assert (samples / f"{name}_dec.png").read_bytes() == (samples / f"{name}_enc.png").read_bytes()
    original = Image.open(samples / "images" / "chelsea.png").size
    assert Image.open(samples / "chelsea_dec.png").size == original
    assert Image.open(samples / "coffee_dec.png").size == (min(Image.open(samples / "images" / "coffee.png").size),) * 2
    wrong = semcomp("decompress", "chelsea.sc", "-o", "wrong.png", "--preset", "tiny", "--quiet", cwd=samples)
    assert wrong.returncode == 2 and "decode it with the models it was compressed with" in wrong.stderr
    assert "Traceback" not in wrong.stderr and not (samples / "wrong.png").exists()
