"The real LAION configs (kept in ../shared, not in this repository) parse and build their full-size networks."
import copy, json, re

import pytest

from conftest import SHARED_CONFIGS
from semcomp.models import build_decoder, build_prior, combine_decoders, count_parameters, read_config

pytestmark = pytest.mark.skipif(not (SHARED_CONFIGS / "decoder_v1.0.2_config.json").exists(),
                                reason=f"the LAION configs are not present at {SHARED_CONFIGS} (the developers' shared folder)")


def test_decoder_v1_0_2_builds_at_full_size():
    config = read_config(SHARED_CONFIGS / "decoder_v1.0.2_config.json", "decoder")
    decoder = build_decoder(config, device="meta")
    unet = decoder.unets[0]
    assert decoder.image_sizes == (64,) and decoder.learned_variance == (True,)
    assert unet.init_conv.convs[0].in_channels == 3 and unet.to_out.out_channels == 6   # ε + learned variance
    assert unet.to_image_hiddens[0].in_features == 768 and unet.text_to_cond.in_features == 768   # ViT-L/14
    keys = decoder.state_dict().keys()
    for key in ("unets.0.init_conv.convs.0.weight", "unets.0.to_out.weight", "unets.0.null_text_embed",
                "noise_schedulers.0.alphas_cumprod"):
        assert key in keys, key
    assert all(k.startswith(("unets.0.", "noise_schedulers.0.")) for k in keys)
    assert 0.9e9 < count_parameters(decoder) < 1.0e9
    # dalle2-pytorch 1.1.0's layout, the one LAION's file was written with (see the models chapter's table)
    shapes = {k: tuple(v.shape) for k, v in decoder.state_dict().items()}
    assert shapes["unets.0.downs.0.0.weight"] == (320, 320, 4, 4)                       # 4×4 stride-2 downsampling
    assert "unets.0.downs.1.2.0.cross_attn.fn.to_q.weight" in shapes                      # cross-attention in its wrapper
    assert not any(re.search(r"downs\.\d+\.[04]\.1\.weight$|cross_attn\.to_", k) for k in shapes)
    assert type(unet.downs[0][3].fn).__name__ == "LinearAttention"                       # sparse_attn at the first stage
    assert len(unet.state_dict()) == 757


def test_prior_builds_at_full_size():
    prior = build_prior(read_config(SHARED_CONFIGS / "prior_config.json", "prior"), device="meta")
    assert prior.image_embed_dim == 768 and prior.predict_x_start and prior.sample_timesteps == 64
    assert len(prior.net.causal_transformer.layers) == 12
    keys = prior.state_dict().keys()
    for key in ("net.causal_transformer.layers.11.0.to_q.weight", "net.causal_transformer.layers.11.0.to_kv.weight",
                "net.null_text_embed", "net.learned_query", "noise_scheduler.alphas_cumprod"):
        assert key in keys, key
    assert not any(k in keys for k in ("net.null_text_encodings", "net.null_text_embeds", "net.null_image_embed"))   # later versions'
    assert 0.09e9 < count_parameters(prior) < 0.11e9


def test_v1_0_2_unet_combines_with_a_full_size_upsampler_stand_in():
    "The seed's upsampler config is not published; a stand-in with the shape the laion-configs README describes."
    first = read_config(SHARED_CONFIGS / "decoder_v1.0.2_config.json", "decoder")
    second = copy.deepcopy(first)
    upsampler_unet = {k: v for k, v in first["unets"][0].items() if k not in ("cond_on_text_encodings",)}
    second.update(unets=[first["unets"][0], dict(upsampler_unet, self_attn=False)], image_sizes=[64, 256],
                  beta_schedule=["cosine", "cosine"], learned_variance=[True, False])
    a, b = build_decoder(first, device="meta"), build_decoder(second, device="meta")
    combined, config = combine_decoders(a, first, b, second, n_first=1)
    assert combined.image_sizes == (64, 256) and combined.learned_variance == (True, False)
    assert combined.unets[1].lowres_cond and not combined.unets[1].cond_on_image_embeds
    assert json.loads(json.dumps(config))["image_sizes"] == [64, 256]
