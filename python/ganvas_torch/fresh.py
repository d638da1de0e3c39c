"""A fresh run's step 0, made here as the page makes it: the same config rules, the same initial
weights drawn from the same seeded stream, the same optimizer slots and counters.

So `ganvas_torch.train --data DIR` starts exactly where the page (or `npm run train -- --data DIR
--steps 0 --save`) would start on those images and settings, and the two trainings agree step for
step (tests/test_fresh.py compares the two step-0 files tensor by tensor).

The page's defaults are kept in page_defaults.json (DEFAULT_CONFIG, MODEL_DEFAULTS and the image
preparation of src/contract/config.ts and src/data/types.ts); tests/unit/python-defaults.test.ts
fails when the two part.
"""
from __future__ import annotations

import json
import math
import os
from datetime import datetime, timezone
from importlib import resources

import numpy as np
import torch

from . import dcgan, stylegan
from .project import Snapshot, check_config, float64_to_array
from .rng import Rng

PAGE = json.loads(resources.files(__package__).joinpath('page_defaults.json').read_text())
TRAINABLE = ('dcgan', 'stylegan')
G_SLOPE = 0.2  # src/gan/nn/models/dcgan.ts G_SLOPE: leaky ReLU in DCGAN's G
AUG_SEED = 0xA06  # the augmentation stream's seed is the run's seed ^ this (src/gan/train/trainer.ts)
NOISE_COUNTER_TOP = 2 ** 24


def config_for(model: str, settings: dict) -> dict:
    """The page's default config for `model` with `settings` on top (a link's parameters, say)."""
    if model not in TRAINABLE:
        raise ValueError(f'--model must be one of {", ".join(TRAINABLE)} (got {model})')
    unknown = sorted(set(settings) - set(PAGE['config']) - {'model'})
    if unknown:
        raise ValueError(f'unknown setting(s) {", ".join(unknown)}; the settings are: {", ".join(PAGE["config"])}')
    config = {**PAGE['config'], **PAGE['models'][model], 'model': model, **settings}
    # As the page reads a link: naming r1Gamma without r1GammaAuto means that γ (src/contract/config.ts).
    if 'r1Gamma' in settings and 'r1GammaAuto' not in settings:
        config['r1GammaAuto'] = False
    check_config(config)
    return config


def parse_setting(text: str) -> tuple:
    """`key=value` as a config entry: booleans as 0/1/true/false (as in the page's URL), numbers as numbers."""
    key, eq, raw = text.partition('=')
    if not eq or not key:
        raise ValueError(f'--set wants key=value (got {text!r})')
    default = PAGE['config'].get(key)
    if isinstance(default, bool):
        if raw.lower() not in ('0', '1', 'true', 'false'):
            raise ValueError(f'{key} takes 0 or 1 (got {raw!r})')
        return key, raw.lower() in ('1', 'true')
    if isinstance(default, str) or default is None:
        return key, raw
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f'{key} must be a number (got {raw!r})') from None
    return key, int(value) if value.is_integer() and isinstance(default, int) else value


def _uniform(rng: Rng, shape, bound: float) -> np.ndarray:
    return ((2 * rng.uniforms(math.prod(shape)) - 1) * bound).astype(np.float32).reshape(shape)


def _normal(rng: Rng, shape, std: float, mean: float = 0.0) -> np.ndarray:
    # Drawn even when std is 0 (StyleGAN's affine biases): the stream moves on as the page's does.
    return (mean + std * rng.normals64(math.prod(shape))).astype(np.float32).reshape(shape)


def dcgan_params(c: dict, rng: Rng) -> dict:
    """buildDcgan: each layer's weight and bias U(±1/√fan_in) (PyTorch's default), BN scales 1, shifts 0."""
    params, bound = {}, 0.0
    for name, shape in dcgan.param_shapes(c['res'], c['width'], c['zDim']).items():
        if name.endswith('.gamma'):
            params[name] = np.ones(shape, np.float32)
        elif name.endswith('.beta'):
            params[name] = np.zeros(shape, np.float32)
        else:
            if name.endswith('.w'):  # fan_in as PyTorch counts it is every axis but the outputs'
                bound = 1 / math.sqrt(math.prod(shape[:-1]))
            params[name] = _uniform(rng, shape, bound)  # a bias takes its weight's bound
    return params


def _stylegan_init(name: str):
    """(std, mean) of a StyleGAN parameter's normal draw, or None for a parameter that starts at 0."""
    if name.endswith('.strength') or (name.endswith('.b') and not name.endswith('.affine.b')):
        return None
    if name.endswith('.affine.b'):
        return 0.0, 1.0  # styles start at 1: unmodulated
    if name.startswith('g.map'):
        return 1 / stylegan.MAPPING_LR_MUL, 0.0
    return 1.0, 0.0


def _stylegan_draws(shapes: dict, rng: Rng) -> dict:
    out = {}
    for name, shape in shapes.items():
        how = _stylegan_init(name)
        out[name] = np.zeros(shape, np.float32) if how is None else _normal(rng, shape, *how)
    return out


def stylegan_params(c: dict, rng: Rng) -> tuple:
    """buildStylegan: G's parameters, the noise counter's seeded start, D's; then w̄, the FIR taps, the EMA copy."""
    g = _stylegan_draws(stylegan.generator_shapes(c), rng)
    counter = int(rng.ints(1, NOISE_COUNTER_TOP)[0])
    d = _stylegan_draws(stylegan.discriminator_shapes(c), rng)
    buffers = {'g.wAvg': np.zeros(c['wDim'], np.float32), 'g.resample': np.asarray(stylegan.FIR_TAPS, np.float32)}
    ema = {f'ema.{k}': v.copy() for k, v in g.items()}
    return {**g, **d, **buffers, **ema}, counter


def _adam_slots(params: dict, prefix: str) -> dict:
    slots = {}
    for name, value in params.items():
        if name.startswith(prefix):
            slots[f'{name}/m'] = np.zeros_like(value)
            slots[f'{name}/v'] = np.zeros_like(value)
    return {'iterations': 0, 'weights': slots}


def fresh_snapshot(config: dict, dataset: dict, name: str) -> Snapshot:
    """Step 0 of a run with `config` on `dataset` (the project file's form), named as the page names runs."""
    rng = Rng(config['seed'])
    extras = {'ada.p': float64_to_array(0.0), 'round.dSteps': float64_to_array(0.0), 'round.gSteps': float64_to_array(0.0),
              'report.sums': np.zeros((2, 6), np.float32), 'report.rounds': float64_to_array(0.0)}
    if config['model'] == 'stylegan':
        params, counter = stylegan_params(config, rng)
        extras['noise.counter'] = float64_to_array(counter)
    else:
        params = dcgan_params(config, rng)
        extras['g.slope'] = float64_to_array(G_SLOPE)
    extras['rng.aug.state'] = float64_to_array(Rng(config['seed'] ^ AUG_SEED).state)
    trained = {k: v for k, v in params.items() if not k.startswith('ema.') and k not in ('g.wAvg', 'g.resample')}
    now = datetime.now(timezone.utc).isoformat(timespec='milliseconds').replace('+00:00', 'Z')
    meta = {'name': name, 'created': now, 'updated': now, 'app': f'ganvas_torch 0.1 (PyTorch {torch.__version__})'}
    return Snapshot(config=config, step=0, rng=rng.save(), params=params,
                    optimizers={'g': _adam_slots(trained, 'g.'), 'd': _adam_slots(trained, 'd.')},
                    history=[], meta=meta, extras=extras, timeline=[], dataset=dataset)


def run_name(source: str, count: int) -> str:
    return f'{os.path.basename(os.path.normpath(source)) or "run"} · {count}'
