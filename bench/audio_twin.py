#!/usr/bin/python3
"""PyTorch peer of the audio bench (bench/audio.ts): the same computations in Python with
Debian's python3-torch, timed in the same run. Reads one JSON request per line on stdin:

  {"case": "mel_60s", "iterations": 3}  → {"case": ..., "seconds": [...]}

mel_60s: STFT magnitude (n_fft 1024, hop 256, Hann, centred) → mel matmul → dB → [-1, 1] of 60 s
at 16 kHz. griffin_lim_32_10s: 32 iterations of fast Griffin-Lim (momentum 0.99) on 10 s, with
torch.istft / torch.stft. The mel filters are random non-negative weights of the same shape: the
cost does not depend on their values.
"""
import math
import os

import torch

from peer_protocol import serve

torch.set_num_threads(int(os.environ.get("MST_NUM_THREADS", os.cpu_count())))
SR, N_FFT, HOP, N_MELS = 16000, 1024, 256, 128
window = torch.hann_window(N_FFT)
filters = torch.rand(N_MELS, N_FFT // 2 + 1)
gen = torch.Generator().manual_seed(0)
signal60 = torch.randn(SR * 60, generator=gen) * 0.1
signal10 = signal60[: SR * 10]


def mel_60s():
    spec = torch.stft(signal60, N_FFT, HOP, window=window, center=True, return_complex=True)
    mel = filters @ (spec.abs() * (2 / window.sum()))
    db = 20 * torch.log10(mel.clamp(min=10 ** (-90 / 20)))
    return ((db + 90) * (2 / 100) - 1).clamp(-1, 1)


magnitude10 = torch.stft(signal10, N_FFT, HOP, window=window, center=True, return_complex=True).abs()


def griffin_lim_32_10s():
    length = signal10.shape[0]
    c = torch.polar(magnitude10, torch.rand(magnitude10.shape, generator=gen) * 2 * math.pi)
    previous = None
    for _ in range(32):
        t = torch.stft(torch.istft(c, N_FFT, HOP, window=window, center=True, length=length), N_FFT, HOP,
                       window=window, center=True, return_complex=True)
        u = t if previous is None else t + 0.99 * (t - previous)
        c = magnitude10 * u / (u.abs() + 1e-12)
        previous = t
    return torch.istft(c, N_FFT, HOP, window=window, center=True, length=length)


serve({"mel_60s": mel_60s, "griffin_lim_32_10s": griffin_lim_32_10s})
