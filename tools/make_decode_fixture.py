"""Make the decoding fixtures: small `.sc` files compressed with the demo models, one for every structure the format holds,
each with the PNG its encoder scored, and a record of the machine that made them.

    .venv/bin/python tools/make_decode_fixture.py          # tests/fixtures/format<V>/*.{sc,png} and index.json

V is the container's format version the files are written in (`container.FORMAT_VERSION`): a set made with each version
stays committed, so the tests decode the files every earlier semcomp wrote. The inputs are 64-pixel pictures (`rocket`
centre-cropped to 64², `chelsea` reduced to 64 pixels wide), so each set is a few tens of kilobytes. Run it again for a
new format version (and when the demo weights change: the files' model fingerprint then no longer matches).
"""
import sys, datetime
from pathlib import Path

from PIL import Image

from semcomp.codec import compress
from semcomp.components import CondCodec
from semcomp.container import FORMAT_VERSION
from semcomp.core import atomic_write_bytes, write_json, load_rgb, save_png, fit_image
from semcomp.latent import LatentSettings as L
from semcomp.models import demo_model_set
from semcomp.pipeline import Settings

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / f"format{FORMAT_VERSION}"
DCT = CondCodec("dct", 40)
STRUCTURES = {          # name: (input, settings)
    "auto": ("chelsea", Settings()),
    "auto-600": ("rocket", Settings(target_bytes=600)),
    "optimized-latent": ("rocket", Settings(method="optimized", latent=L(steps=2, iterations=3, latent_size=8, latent_bits=4))),
    "inversion": ("chelsea", Settings(method="inversion", latent=L(steps=3))),
    "diffc": ("rocket", Settings(method="diffc", target_bytes=300)),
    "residual": ("rocket", Settings(method="optimized", residual=30, latent=L(steps=2, iterations=3, cond_codec=DCT, lmbda=0.004))),
    "transform": ("rocket", Settings(method="transform", target_bytes=200)),
    "caption": ("rocket", Settings(method="caption", steps=3, prior_steps=3)),
}


def inputs() -> dict:
    chelsea = load_rgb(ROOT / "images" / "chelsea.png")
    return {"rocket": (Image.fromarray(fit_image(load_rgb(ROOT / "images" / "rocket.png"), 64, "crop").pixels), "rocket.png, centre 64²"),
            "chelsea": (chelsea.resize((64, round(64 * chelsea.height / chelsea.width)), Image.LANCZOS), "chelsea.png, Lanczos to 64 wide")}


def main(device: str = "cpu") -> int:
    models, pictures = demo_model_set(device=device), inputs()
    OUT.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, (source, settings) in STRUCTURES.items():
        image, how = pictures[source]
        caption = (ROOT / "texts" / f"{source}.txt").read_text().splitlines()[0].strip()
        c = compress(models, image, caption, settings)
        atomic_write_bytes(OUT / f"{name}.sc", c.data)
        save_png(c.image, OUT / f"{name}.png")
        files[name] = {"input": how, "method": c.settings.method, "structure": c.structure.get("chosen"), "bytes": len(c.data),
                       "psnr_db": c.metrics["psnr"], "size": list(image.size)}
        print(f"{name}: {len(c.data)} bytes, {c.metrics['psnr']:.2f} dB", flush=True)
    write_json(OUT / "index.json", {"device": device, "what": "files of every structure, made with the demo models, and the images their encoder scored "
                                            "(decompress must give them back)", "format_version": FORMAT_VERSION,
                                    "model_fingerprint": models.fingerprint().hex(), "made": datetime.date.today().isoformat(), "files": files})
    return 0


if __name__ == "__main__":
    sys.exit(main())
