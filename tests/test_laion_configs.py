"The real LAION configs (kept in ../shared, not in this repository) parse and build their full-size networks."
import copy, json

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


def test_prior_builds_at_full_size():
    prior = build_prior(read_config(SHARED_CONFIGS / "prior_config.json", "prior"), device="meta")
    assert prior.image_embed_dim == 768 and prior.predict_x_start and prior.sample_timesteps == 64
    assert len(prior.net.causal_transformer.layers) == 12
    keys = prior.state_dict().keys()
    for key in ("net.causal_transformer.layers.11.0.to_q.weight", "net.causal_transformer.layers.11.0.to_kv.weight",
                "net.null_text_encodings", "net.learned_query", "noise_scheduler.alphas_cumprod"):
        assert key in keys, key
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
