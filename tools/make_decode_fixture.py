"""Make the cross-machine decoding fixture: a small `.sc` file compressed with the demo models, the PNG the encoder
scored, and a record of the machine that made them.

    .venv/bin/python tools/make_decode_fixture.py      # writes tests/fixtures/demo_chelsea64.{sc,png,json}

Run it again whenever the demo weights change (the file's model fingerprint then no longer matches and
tests/test_decode_fixture.py says so). The input is images/chelsea.png reduced to 64 pixels wide (Lanczos), so the
fixture stays a few kilobytes; it is compressed at the default settings.
"""
import sys, datetime
from pathlib import Path

from PIL import Image

from semcomp.codec import compress
from semcomp.core import atomic_write_bytes, write_json, load_rgb, save_png
from semcomp.models import demo_model_set
from semcomp.pipeline import machine_info, package_versions

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures"
NAME = "demo_chelsea64"


def main() -> int:
    image = load_rgb(ROOT / "images" / "chelsea.png")
    small = image.resize((64, round(64 * image.height / image.width)), Image.LANCZOS)
    caption = (ROOT / "texts" / "chelsea.txt").read_text().splitlines()[0].strip()
    models = demo_model_set()
    c = compress(models, small, caption)
    OUT.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(OUT / f"{NAME}.sc", c.data)
    save_png(c.image, OUT / f"{NAME}.png")
    record = {"what": "a .sc file made with the demo models and the image its encoder scored (decompress must give it back)",
              "input": "images/chelsea.png, Lanczos to 64 pixels wide", "size": list(small.size), "caption": caption,
              "bytes": len(c.data), "psnr_db": c.metrics["psnr"], "model_fingerprint": models.fingerprint().hex(),
              "made": datetime.date.today().isoformat(), "machine": machine_info(),
              "versions": package_versions()}
    write_json(OUT / f"{NAME}.json", record)
    print(f"wrote {OUT / NAME}.sc ({len(c.data)} bytes), .png and .json; PSNR {c.metrics['psnr']:.2f} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
