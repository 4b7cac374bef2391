"""semcomp computes what dalle2-pytorch 1.1.0 computes, the code LAION's weights were trained with.

Small networks with LAION's switches (v1.0.2's sparse_attn, memory_efficient, per-stage self_attn, text encodings,
learned variance; a prior with rotary embeddings, normformer and text encodings) get random weights; the *same* weights
then run through semcomp's functions and through 1.1.0's own modules (`Decoder.p_mean_variance`,
`DiffusionPrior.p_mean_variance`, `OpenAIClipAdapter` over OpenAI's `clip` package), compared to 1e-5 in float32
(relative to the values' size where they exceed 1). The posterior compares through 1.1.0's own q-posterior: its
coefficients come from float64 betas, which float32 ᾱ cannot reproduce near t = 0 (1 − ᾱ_t/ᾱ_{t−1} cancels).
"""
import copy, math, warnings

import pytest
import torch
import torch.nn.functional as F

import dalle2_pytorch
from semcomp.embedding import embed_image, embed_text, tokenize
from semcomp.models import (DALLE2_VERSION, build_clip, build_random_decoder, build_random_prior, load_clip_weights,
                            seeded_build)
from semcomp.prior import prior_clamp, prior_denoiser, prior_objective
from semcomp.sampler import predict, unet_stage

TOL = 1e-5
TIMES = (1, 10, 500, 999)


def close(a, b, what):
    "max |a − b| ≤ TOL × max(1, max |b|)"
    err, scale = float((a - b).abs().max()), max(1.0, float(b.abs().max()))
    assert err <= TOL * scale, f"{what}: max |semcomp − 1.1.0| = {err:.3g} (values up to {scale:.3g})"
    return err


def test_the_installed_dalle2_pytorch_is_the_one_the_weights_were_trained_with():
    assert dalle2_pytorch.__version__ == DALLE2_VERSION == "1.1.0"


# ---------------------------------------------------------------------------------------------------------- decoder
UNET1 = dict(dim=16, cond_dim=16, image_embed_dim=64, text_embed_dim=64, cond_on_text_encodings=True, channels=3,
             dim_mults=[1, 2], num_resnet_blocks=2, attn_heads=2, attn_dim_head=8, sparse_attn=True, memory_efficient=True,
             self_attn=[False, True])
UNET2 = dict(UNET1, num_resnet_blocks=1, self_attn=False)   # the upsampler: lowres_cond (the Decoder sets it), no image embedding


def decoder_config(**overrides) -> dict:
    return dict(unets=[copy.deepcopy(UNET1), copy.deepcopy(UNET2)], image_sizes=[16, 32], channels=3, timesteps=1000,
                loss_type="l2", beta_schedule=["cosine", "cosine"], learned_variance=[True, False], **overrides)


DECODERS = {
    "laion (eps, learned variance, static clipping)": decoder_config(),
    "dynamic thresholding": decoder_config(use_dynamic_thres=True),
    "x0 objective (the demo's)": decoder_config(predict_x_start=[False, True]),
}


def conditioning(batch=2, seed=1):
    g = torch.Generator().manual_seed(seed)
    image_embed = F.normalize(torch.randn(batch, 64, generator=g), dim=-1)
    text_encodings = torch.randn(batch, 77, 64, generator=g)
    text_encodings[0, 9:] = 0; text_encodings[1, 5:] = 0                      # zero after each caption's end, as CLIP's are
    lowres = torch.rand(batch, 3, 32, 32, generator=g) * 2 - 1
    return g, image_embed, text_encodings, lowres


@pytest.mark.parametrize("name", list(DECODERS))
@pytest.mark.parametrize("cond_scale", [1.0, 1.7])
def test_decoder_posterior_mean_and_variance(name, cond_scale):
    """semcomp's x̂₀ (objective, clipping, guidance), put through 1.1.0's q-posterior, gives 1.1.0's p_mean_variance at
    every t, for both unets. (semcomp's deterministic DDIM reads x̂₀ and ε̂ only, never a variance: the learned-variance
    channels are checked below to be exactly the ones it drops; 1.1.0's DDPM variance is then its own.)"""
    decoder = seeded_build(build_random_decoder, DECODERS[name], seed=3)
    g, image_embed, text_encodings, lowres = conditioning()
    for index, unet in enumerate(decoder.unets):
        size = decoder.image_sizes[index]
        alphas = decoder.noise_schedulers[index].alphas_cumprod
        low = lowres if index > 0 else None
        stage = unet_stage(decoder, index, image_embed=image_embed, text_encodings=text_encodings, lowres_cond_img=low,
                           cond_scale=cond_scale)
        for t in TIMES:
            x = torch.randn(2, 3, size, size, generator=g)
            with torch.no_grad():
                x0, _ = predict(stage.denoiser, x, t, alphas[t], stage.objective, stage.clamp_x0)
                mean_ref, var_ref, _ = decoder.p_mean_variance(
                    unet, x=x, t=torch.full((2,), t), image_embed=image_embed, noise_scheduler=decoder.noise_schedulers[index],
                    text_encodings=text_encodings, lowres_cond_img=low, clip_denoised=True,
                    predict_x_start=decoder.predict_x_start[index], learned_variance=decoder.learned_variance[index],
                    cond_scale=cond_scale)
                mean, var, _ = decoder.noise_schedulers[index].q_posterior(x_start=x0, x_t=x, t=torch.full((2,), t))
            close(mean, mean_ref, f"{name}, unet {index + 1}, t={t}: posterior mean")
            if not decoder.learned_variance[index]: close(var, var_ref, f"{name}, unet {index + 1}, t={t}: posterior variance")


def test_semcomp_drops_exactly_the_learned_variance_channels():
    "With learned variance the unet writes 6 channels: semcomp's denoiser returns the 3 that 1.1.0 reads as the prediction."
    decoder = seeded_build(build_random_decoder, decoder_config(), seed=4)
    _, image_embed, text_encodings, _ = conditioning()
    stage = unet_stage(decoder, 0, image_embed=image_embed, text_encodings=text_encodings)
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        full = decoder.unets[0].forward_with_cond_scale(x, torch.full((2,), 300), image_embed=image_embed,
                                                        text_encodings=text_encodings, cond_scale=1.0)
        assert full.shape[1] == 6
        assert torch.equal(stage.denoiser(x, 300), full[:, :3])


# ------------------------------------------------------------------------------------------------------------ prior
PRIOR = dict(net=dict(dim=64, depth=2, num_timesteps=1000, max_text_len=77, num_time_embeds=1, num_image_embeds=1,
                      num_text_embeds=1, dim_head=16, heads=2, ff_mult=2, norm_out=True, attn_dropout=0.05, ff_dropout=0.05,
                      final_proj=True, normformer=True, rotary_emb=True),
             image_embed_dim=64, image_size=32, image_channels=3, timesteps=1000, sample_timesteps=16, cond_drop_prob=0.1,
             loss_type="l2", predict_x_start=True, beta_schedule="cosine", condition_on_text_encodings=True)


@pytest.mark.parametrize("objective", ["x0", "eps"])
def test_prior_step(objective):
    "One prior step (x̂₀ with clamping, then the q-posterior mean) equals 1.1.0's; guidance at scale 3 equals scale 1 in 1.1.0."
    config = dict(copy.deepcopy(PRIOR), predict_x_start=objective == "x0")
    prior = seeded_build(build_random_prior, config, seed=5)
    assert prior_objective(prior) == objective
    g, _, text_encodings, _ = conditioning(seed=6)
    text_embed = F.normalize(torch.randn(2, 64, generator=g), dim=-1)
    alphas = prior.noise_scheduler.alphas_cumprod
    for cond_scale in (1.0, 3.0):
        denoise = prior_denoiser(prior, text_embed, text_encodings, cond_scale)
        for t in TIMES:
            x = torch.randn(2, 64, generator=g) * prior.image_embed_scale
            with torch.no_grad():
                x0, _ = predict(denoise, x, t, alphas[t], objective, prior_clamp(prior))
                mean_ref, var_ref, _ = prior.p_mean_variance(x, torch.full((2,), t), dict(text_embed=text_embed, text_encodings=text_encodings),
                                                             clip_denoised=True, cond_scale=cond_scale)
                unguided = prior.net(x, torch.full((2,), t), text_embed=text_embed, text_encodings=text_encodings)
                mean, _, _ = prior.noise_scheduler.q_posterior(x_start=x0, x_t=x, t=torch.full((2,), t))
            close(mean, mean_ref, f"prior ({objective}), scale {cond_scale}, t={t}: posterior mean")
            if cond_scale != 1 and objective == "x0":   # 1.1.0 never passes the dropped-condition mask to its transformer
                assert torch.equal(denoise(x, t), unguided)


# ------------------------------------------------------------------------------------------------------------- CLIP
OPENAI_FORMAT_CLIP = {"make": "semcomp-tiny", "model": "tiny-openai-format",   # OpenAI's build_model takes 64-wide heads
                      "model_cfg": {"embed_dim": 64, "quick_gelu": True,
                                    "vision_cfg": {"image_size": 32, "layers": 2, "width": 64, "head_width": 64, "patch_size": 8},
                                    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 1, "layers": 2}}}


@pytest.fixture(scope="module")
def clip_pair(tmp_path_factory):
    "semcomp's open_clip model and 1.1.0's OpenAIClipAdapter (OpenAI's `clip` package), loaded from one file of random weights."
    pytest.importorskip("pkg_resources", reason="OpenAI's clip package (clip-anytorch) imports pkg_resources (setuptools < 81)")
    path = tmp_path_factory.mktemp("clip") / "ViT-tiny.pt"
    model = seeded_build(build_clip, OPENAI_FORMAT_CLIP, seed=7)
    # OpenAI's clip.load rounds the weights to float16 (convert_weights) before .float() on a CPU; OpenAI's files are
    # float16 anyway, so the random weights are drawn at float16 precision, as theirs are
    torch.save({k: v.half().float() if v.is_floating_point() else v for k, v in model.state_dict().items()}, path)
    ours = build_clip(OPENAI_FORMAT_CLIP)
    load_clip_weights(ours, path)
    from dalle2_pytorch.dalle2_pytorch import OpenAIClipAdapter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = OpenAIClipAdapter(str(path))
    return ours, theirs.float()


def test_clip_text_embedding_encodings_and_mask(clip_pair):
    ours, theirs = clip_pair
    captions = ["a red rocket on a launch pad!", "wow! a cup of coffee", "x"]   # '!' is token 0 inside a caption
    mine = embed_text(ours, captions)
    ref = theirs.embed_text(tokenize(captions).ids)
    close(mine.embed, ref.text_embed, "text embedding")
    close(mine.encodings, ref.text_encodings, "text encodings")
    assert torch.equal(mine.encodings.abs().sum(-1) != 0, ref.text_encodings.abs().sum(-1) != 0)   # the same positions kept


def test_clip_image_embedding(clip_pair):
    ours, theirs = clip_pair
    images = torch.rand(2, 3, 48, 48, generator=torch.Generator().manual_seed(8))
    close(embed_image(ours, images), theirs.embed_image(images).image_embed, "image embedding")
