"Any byte string given to the decoder either decodes or raises semcomp's FormatError, quickly."
import struct, time, zlib

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from semcomp.bitstream import (MAGIC, SMALL_LAYER_VERSION, FormatError, Bitstream, CondCodec, pack, encode_caption, encode_cond, encode_latent,
                               encode_residual, encode_diffc, DiffcCode, write_varint, TAGS)
from semcomp.codec import DecodeSettings, encode_settings, parse_file, decompress, compress
from semcomp.latent import LatentSettings
from semcomp.models import tiny_model_set
from semcomp.pipeline import Settings

import numpy as np
import torch


def valid_files() -> list:
    "Well-formed files exercising every component coder (no models needed to make them)."
    fp = bytes(range(8))
    cond = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    latent = torch.randn(1, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    side = encode_settings(DecodeSettings("side", 3, 10))
    files = [pack(Bitstream(fp, (64, 48), "pad", {"settings": encode_settings(DecodeSettings("caption", 1, 20)), "caption": encode_caption("a red rocket on a pad")}))]
    for codec in (CondCodec("dpcm", 5), CondCodec("webp", 40), CondCodec("png"), CondCodec("avif", 30), CondCodec("dct", 50), CondCodec("dct", 90),
                  CondCodec("av1", 30), CondCodec("vp8", 40)):
        files.append(pack(Bitstream(fp, (500, 300), "crop", {"settings": side, "cond": encode_cond(cond, codec), "latent": encode_latent(latent, 4)},
                                    machine=3)))                                  # format 2: the encoder's machine in the layout byte
    target, output = (np.random.default_rng(seed).integers(0, 256, (32, 32, 3), dtype=np.uint8) for seed in (1, 2))
    for coder in ("dct", "av1", "vp8"):                                                                        # the residual layer
        files.append(pack(Bitstream(fp, (64, 48), "pad", {"settings": side, "cond": encode_cond(cond, CondCodec("dct", 50)),
                                                          "residual": encode_residual(target, output, 40, coder=coder)})))
    files.append(pack(Bitstream(fp, (64, 48), "pad", {"settings": side, "cond": encode_cond(cond, CondCodec("dpcm", 4))}, version=1)))   # a format-1 file
    files.append(pack(Bitstream(fp, (64, 48), "pad", {"settings": encode_settings(DecodeSettings("image", 0, 1)),               # format 3: a
                                                      "residual": encode_residual(target, output, 40, coder="av1", scale=2)}, version=3)))   # layer at ½ size
    diffc = encode_diffc(DiffcCode(10, 3, [2, 5, 9], [int(i) for i in np.random.default_rng(3).integers(0, 300, 16)]))
    files.append(pack(Bitstream(fp, (64, 64), "crop", {"settings": side, "cond": encode_cond(cond, CondCodec("dct", 40)), "diffc": diffc})))
    return files


VALID = valid_files()


def reseal(body: bytes) -> bytes:
    "A file whose checksum matches its (damaged) body, so the parser's deeper checks are reached."
    return body + struct.pack("<I", zlib.crc32(body))


def check(data: bytes):
    try: parse_file(data)
    except FormatError as e: assert str(e) and "\n" not in str(e)


def test_the_valid_files_parse():
    for data in VALID: parse_file(data)


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(VALID) - 1), flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 7)), min_size=1, max_size=4),
       cut=st.one_of(st.none(), st.integers(0, 10_000)), insert=st.binary(max_size=8), sealed=st.booleans())
def test_mutated_files_decode_or_raise_format_error(index, flips, cut, insert, sealed):
    body = bytearray(VALID[index][:-4])
    for position, bit in flips: body[position % len(body)] ^= 1 << bit
    if cut is not None: body = body[: cut % (len(body) + 1)]
    if insert: at = len(insert) % (len(body) + 1); body[at:at] = insert
    start = time.perf_counter()
    check(reseal(bytes(body)) if sealed else bytes(body) + VALID[index][-4:])
    assert time.perf_counter() - start < 2


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_raise_format_error(data):
    check(data)
    check(reseal(MAGIC + b"\x01" + data))


def header(**components):
    return MAGIC + b"\x01" + bytes(8) + write_varint(64) + write_varint(64) + b"\x00" + b"".join(
        bytes([TAGS[name]]) + write_varint(len(payload)) + payload for name, payload in components.items())


SETTINGS = encode_settings(DecodeSettings("side", 0, 2))
BAD = {
    "empty": (b"", "too short"),
    "wrong magic": (b"GIF89a" + bytes(40), "wrong magic"),
    "future version": (MAGIC + b"\x09" + bytes(40), "newer semcomp"),
    "truncated": (VALID[1][: len(VALID[1]) // 2], "checksum"),
    "length past the end": (reseal(header()[:-0 or None] + bytes([TAGS["settings"]]) + write_varint(1000) + SETTINGS), "needs 1000 bytes"),
    "absurd length": (reseal(header() + bytes([TAGS["cond"]]) + write_varint(2 ** 40)), "exceeds the limit"),
    "absurd image size": (reseal(MAGIC + b"\x01" + bytes(8) + write_varint(10 ** 9) + write_varint(5) + b"\x00"), "image width"),
    "zero image size": (reseal(MAGIC + b"\x01" + bytes(8) + write_varint(0) + write_varint(5) + b"\x00"), "is empty"),
    "unknown component": (reseal(header() + b"\x63\x00"), "unknown component tag 99"),
    "repeated component": (reseal(header(settings=SETTINGS) + bytes([TAGS["settings"]]) + write_varint(len(SETTINGS)) + SETTINGS), "repeated or out of order"),
    "no settings": (reseal(header(caption=encode_caption("x"))), "settings component is missing"),
    "side without cond": (reseal(header(settings=SETTINGS)), "without a conditioning image"),
    "absurd cond size": (reseal(header(settings=SETTINGS, cond=b"\x03\x05" + write_varint(10 ** 6))), "conditioning size"),
    "absurd latent": (reseal(header(settings=SETTINGS, cond=encode_cond(np.zeros((4, 4, 3), np.uint8), CondCodec("png")),
                                    latent=write_varint(4096) + b"\x03\x04")), "latent size"),
    "corrupt webp": (reseal(header(settings=SETTINGS, cond=b"\x01RIFF\x00\x00\x00\x00WEBP")), "unreadable conditioning image"),
    "unknown flags": (reseal(header(settings=b"\xff" + SETTINGS[1:])), "unknown flags"),
    "absurd residual size": (reseal(header(settings=SETTINGS, cond=encode_cond(np.zeros((4, 4, 3), np.uint8), CondCodec("png")),
                                           residual=b"\x04\x32" + write_varint(4096))), "residual image size"),
    "diffc with a latent": (reseal(header(settings=SETTINGS, cond=encode_cond(np.zeros((4, 4, 3), np.uint8), CondCodec("png")),
                                          latent=encode_latent(torch.zeros(1, 3, 4, 4), 4), diffc=encode_diffc(DiffcCode(8, 1, [1], [3])))), "without a latent"),
    "diffc of too many bits": (reseal(header(settings=SETTINGS, cond=encode_cond(np.zeros((4, 4, 3), np.uint8), CondCodec("png")),
                                             diffc=bytes([1, 15, 1, 1]))), "15 bits per chunk"),
    "diffc of too many chunks": (reseal(header(settings=SETTINGS, cond=encode_cond(np.zeros((4, 4, 3), np.uint8), CondCodec("png")),
                                               diffc=bytes([1, 10, 8]) + write_varint(60000) * 8)), "chunks is more than"),
    "residual of another coder": (reseal(header(settings=SETTINGS, cond=encode_cond(np.zeros((4, 4, 3), np.uint8), CondCodec("png")),
                                                residual=b"\x03\x05")), "residual: unknown coder"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_hand_made_bad_files(name):
    data, fragment = BAD[name]
    with pytest.raises(FormatError, match=fragment): parse_file(data)


def test_decompress_refuses_what_the_models_cannot_run():
    models = tiny_model_set()
    good = compress(models, __import__("PIL.Image").Image.new("RGB", (20, 10), "red"), "a red bar",
                    Settings(method="optimized", latent=LatentSettings(steps=2, iterations=1, inversion_iters=0)))
    parsed = parse_file(good.data)
    too_many = dict(parsed.stream.components, settings=encode_settings(DecodeSettings("side", 0, 5000)))
    with pytest.raises(FormatError, match="5000 steps is more than the models' 1000 timesteps"):
        decompress(pack(Bitstream(parsed.stream.fingerprint, (20, 10), "pad", too_many)), models)
    big_cond = dict(parsed.stream.components, cond=encode_cond(np.zeros((32, 32, 3), np.uint8), CondCodec("dpcm", 4)))
    with pytest.raises(FormatError, match="larger than the upsampler's 16² input"):
        decompress(pack(Bitstream(parsed.stream.fingerprint, (20, 10), "pad", big_cond)), models)
    odd_latent = dict(parsed.stream.components, latent=encode_latent(torch.zeros(1, 5, 4, 4), 4))
    with pytest.raises(FormatError, match="does not fit the upsampler"):
        decompress(pack(Bitstream(parsed.stream.fingerprint, (20, 10), "pad", odd_latent)), models)
    cond = parsed.stream.components["cond"]
    many_chunks = {"settings": encode_settings(DecodeSettings("side", 0, 4)), "cond": cond, "diffc": encode_diffc(DiffcCode(4, 1, [20000], [0] * 20000))}
    with pytest.raises(FormatError, match="more chunks than the 64² image has values"):
        decompress(pack(Bitstream(parsed.stream.fingerprint, (20, 10), "pad", many_chunks)), models)
    odd_residual = dict(parsed.stream.components, residual=encode_residual(*[np.zeros((48, 48, 3), np.uint8)] * 2, 50))
    with pytest.raises(FormatError, match="residual: 48² does not match the models' 64² output"):   # ½ and ¼ of it are enlarged; 48² is neither
        decompress(pack(Bitstream(parsed.stream.fingerprint, (20, 10), "pad", odd_residual)), models)
    for side in (32, 16):                             # a layer at ½ and ¼ of the side: enlarged on decoding, in a version-3 file
        small = dict(parsed.stream.components, residual=encode_residual(*[np.zeros((side, side, 3), np.uint8)] * 2, 50))
        assert decompress(pack(Bitstream(parsed.stream.fingerprint, (20, 10), "pad", small, SMALL_LAYER_VERSION)), models).image.shape == (10, 20, 3)
        with pytest.raises(FormatError, match="a layer smaller than the image needs format version 3, this file is version 2"):
            decompress(pack(Bitstream(parsed.stream.fingerprint, (20, 10), "pad", small, 2)), models)
    assert (decompress(good.data, models).image == good.image).all()
