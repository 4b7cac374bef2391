"""Convert the demo weights from dalle2-pytorch 1.15.6's tensor layout to 1.1.0's, where the two compute the same function.

    .venv/bin/python tools/convert_demo_weights.py IN.pth OUT.pth [--reference REF.pt]

The demo decoder (the tiny 16² unet 1 and the trained 16→64 upsampler) was trained under dalle2-pytorch 1.15.6. Its
networks use two things whose arithmetic changed between the versions, and both convert exactly. The downsampling: 1.15.6's pixel-unshuffle + 1×1 convolution (`downs.i.j.1.weight`, shape (o, 4i, 1, 1)) reads each 2×2 block
of its input, which is a 4×4 stride-2 padding-1 convolution (1.1.0's `downs.i.j.weight`, (o, i, 4, 4)) whose taps
outside the centre 2×2 are zero. The unets' self-attention: 1.15.6 multiplies q by dim_head^-0.5 and then q and k by
its square root again (softmax of q·k/d), 1.1.0 once (q·k/√d, computed as ((q·k/(√d·α)) − max)·α): folding one more
dim_head^-0.5 into `to_q` (no bias) makes 1.1.0 compute 1.15.6's function. Cross-attention computes the same function
in both (plain q·k/√d) and its tensors only move (`cross_attn.X` → `cross_attn.fn.X`). Anything else that changed between the versions (the
prior's null embeddings and cosine attention, LinearAttention, `predict_v`, self-conditioning) is refused.

--reference REF.pt: outputs of the 1.15.6 unets on fixed inputs (written by this script run under 1.15.6 with
--write-reference); the converted unets must match them (the maximum difference is printed and stored in the record).
"""
import argparse, copy, io, json, re, sys
from pathlib import Path

import torch
import packaging.version


def convert_state_dict(sd: dict) -> dict:
    "1.15.6 tensor names and shapes → 1.1.0's (downsampling convolutions, cross-attention wrapper); refuses what does not convert."
    out = {}
    for k, v in sd.items():
        if re.search(r"(^|\.)net\.null_(text_encodings|text_embeds|image_embed)$", k) or "self_cond" in k:
            raise SystemExit(f"{k}: no exact 1.1.0 equivalent")
        m = re.match(r"(.*\.downs\.\d+\.[04])\.1\.(weight|bias)$", k)
        if m:
            if m.group(2) == "weight":
                o, i4 = v.shape[:2]
                w = torch.zeros(o, i4 // 4, 4, 4, dtype=v.dtype)
                w[:, :, 1:3, 1:3] = v.reshape(o, i4 // 4, 2, 2)   # channel (c s1 s2) reads x[c, 2h+s1, 2w+s2] = tap (s1+1, s2+1)
                v = w
            out[f"{m.group(1)}.{m.group(2)}"] = v
            continue
        m = re.match(r"(.*)\.to_q\.weight$", k)
        if m and "cross_attn" not in k and f"{m.group(1)}.null_kv" in sd:
            # a unet's self-attention: 1.15.6 scales q by dim_head^-0.5 twice (q·k/d), 1.1.0 once (q·k/√d); fold the
            # second factor into to_q (in float32: the stored float16 would round it)
            v = v.float() * sd[f"{m.group(1)}.null_kv"].shape[-1] ** -0.5
        out[re.sub(r"\.cross_attn\.(?!fn\.)", ".cross_attn.fn.", k)] = v
    return out


def convert_config(config: dict) -> dict:
    config = copy.deepcopy(config)
    d = config["decoder"]
    if any(d.pop("predict_v", [])): raise SystemExit("a v-objective unet has no 1.1.0 equivalent")
    return config


def probe_inputs(decoder, seed=0):
    "Fixed inputs for every unet: noisy image, timesteps, image embedding, text encodings, low-res conditioning."
    g = torch.Generator().manual_seed(seed)
    rows = []
    for i, (unet, size) in enumerate(zip(decoder.unets, decoder.image_sizes)):
        x = torch.randn(2, 3, size, size, generator=g)
        kw = dict(image_embed=torch.randn(2, 32, generator=g), text_encodings=torch.randn(2, 77, 32, generator=g),
                  lowres_cond_img=torch.randn(2, 3, size, size, generator=g) if i > 0 else None)
        if not unet.cond_on_text_encodings: kw["text_encodings"] = None
        rows.append((x, torch.tensor([10, 700]), kw))
    return rows


def outputs(decoder):
    with torch.no_grad():
        return [unet.float()(x, t, **kw) for unet, (x, t, kw) in zip(decoder.unets, probe_inputs(decoder))]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("src"); p.add_argument("dst", nargs="?"); p.add_argument("--reference")
    p.add_argument("--write-reference", help="(run under dalle2-pytorch 1.15.6) write the unets' outputs here")
    args = p.parse_args(argv)
    import dalle2_pytorch
    ck = torch.load(args.src, map_location="cpu", weights_only=False)
    if args.write_reference:
        from dalle2_pytorch.train_configs import DecoderConfig
        decoder = DecoderConfig(**{k: v for k, v in ck["config"]["decoder"].items() if k != "clip"}).create().eval()
        decoder.load_state_dict(ck["model"], strict=True)
        torch.save({"version": dalle2_pytorch.__version__, "outputs": outputs(decoder)}, args.write_reference)
        print(f"reference outputs of dalle2-pytorch {dalle2_pytorch.__version__} written to {args.write_reference}"); return 0
    from semcomp.models import build_decoder, load_weights, DALLE2_VERSION
    from semcomp.core import write_json
    assert dalle2_pytorch.__version__ == DALLE2_VERSION, dalle2_pytorch.__version__
    if str(ck["version"]) != "1.15.6": raise SystemExit(f"{args.src}: records dalle2-pytorch {ck['version']}, not 1.15.6")
    config = convert_config(ck["config"])
    decoder = build_decoder(config["decoder"])
    print(load_weights(decoder, convert_state_dict(ck["model"]), Path(args.src).name))
    note = {"converted_from": "dalle2-pytorch 1.15.6 layout", "tool": "tools/convert_demo_weights.py"}
    if args.reference:
        ref = torch.load(args.reference, weights_only=False)
        diffs = [float((a - b).abs().max()) for a, b in zip(outputs(decoder), ref["outputs"])]
        scale = [float(b.abs().max()) for b in ref["outputs"]]
        print(f"max |1.1.0 converted − {ref['version']}| per unet: {diffs} (outputs up to {scale})")
        note["max_abs_difference_per_unet"] = diffs; note["output_max_abs_per_unet"] = scale
        if max(diffs) > 1e-4: raise SystemExit("the converted networks do not compute the same function")
    if args.dst:
        model = convert_state_dict(ck["model"])   # each tensor keeps its stored dtype (the checkpoint keeps weights in float16)
        buf = io.BytesIO()
        torch.save({"version": packaging.version.Version(DALLE2_VERSION), "config": config, "model": model}, buf)
        Path(args.dst).write_bytes(buf.getvalue())
        rec_src = Path(args.src).with_suffix(".json")
        if rec_src.exists():
            record = json.loads(rec_src.read_text()); record["conversion"] = note
            write_json(Path(args.dst).with_suffix(".json"), record, provenance=False)
        print(f"wrote {args.dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
