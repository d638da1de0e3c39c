"""The PyTorch peer of Ganvas's ADA pipeline (src/gan/train/ada-pipeline.ts), for the lockstep test
and the blur measurement.

    /usr/bin/python3 bench/peer/augment.py DIR [DIR ...]  # lockstep: apply each DIR's draws
    /usr/bin/python3 bench/peer/augment.py --blur [--seed 1]   # bilinear vs NVlabs's 2x path

Lockstep. DIR holds what Ganvas wrote (tests/unit/ada-pipeline.test.ts): meta.json
({batch, height, width, channels, geometric: bool, color: bool}), images.f32 (NHWC float32),
geometric.f64 (batch x 3 x 3, G_inv: output pixel -> input pixel in pixel coordinates about the
image centre), color.f64 (batch x 4 x 4, colour_out = C @ (r, g, b, 1)) and dy.f32 (an upstream
gradient, NHWC); meta's "interpolation" ('bilinear' or 'bicubic') picks grid_sample's mode
(bicubic: PyTorch's a = -0.75, as Ganvas's). With "params": true in meta.json it instead reads params.json, Ganvas's
per-image parameters as NVlabs names them after gating (xflip, rotate90, xint, scale,
rotate_pre, aniso, rotate_post, xfrac, brightness, contrast, lumaflip, hue, saturation), builds
G_inv and C from them in AugmentPipe.forward's order with its matrix conventions, and writes
them as peer-geometric.f64 and peer-color.f64 for comparison. The peer applies the transforms the way NVlabs's training/augment.py executes
them (AugmentPipe.forward, "Execute geometric transformations" and "Execute color
transformations"): reflect-pad by the margin the four transformed corners need, move the origin
by the padding, turn G_inv into affine_grid's normalised coordinates, grid_sample (bilinear,
align_corners=False), then C[:, :3, :3] @ pixels + C[:, :3, 3:]. Gradients come from autograd
through grid_sample. It writes out.f32 (NHWC) and grad.f32 (d sum(out * dy) / d images, NHWC).

Where this differs from NVlabs, as Ganvas does (see src/gan/train/ada/resample.ts):
- No 2x wavelet upsampling around grid_sample: bilinear or bicubic at the image's own resolution.
- NVlabs pads at most width-1 (one reflection) and lets grid_sample zero-fill beyond that; here
  the reflection is repeated until the margin is covered (the reflected image tiles the plane),
  which is what Ganvas's index reflection computes.
- float64 throughout, so the comparison with Ganvas (float64 coordinates, float32 pixels)
  measures Ganvas's float32 rounding and not the peer's.

Blur (--blur). Both resamplers (the one above and NVlabs's: sym6 wavelet 2x upsampling, bilinear
at 2x, sym6 downsampling, its upfirdn2d reference semantics re-written here) apply the same
small transforms to smooth random images (Gaussian noise low-passed to a quarter of Nyquist, so
that the ideal result is known well: the band-limited shift, by FFT). It prints, per transform,
the RMS error against the ideal in the image's interior and the fraction of the image's
gradient energy kept, as JSON lines.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

SYM6 = [0.015404109327027373, 0.0034907120842174702, -0.11799011114819057, -0.048311742585633, 0.4910559419267466,
        0.787641141030194, 0.3379294217276218, -0.07263752278646252, -0.021060292512300564, 0.04472490177066578,
        0.0017677118642428036, -0.007800708325034148]


def mat(rows, batch=None):
    m = torch.tensor(rows, dtype=torch.float64)
    return m if batch is None else m.expand(batch, *m.shape)


def translate2d(tx, ty):
    return mat([[1, 0, tx], [0, 1, ty], [0, 0, 1]])


def scale2d(sx, sy):
    return mat([[sx, 0, 0], [0, sy, 0], [0, 0, 1]])


def batched(*rows):
    """A [batch, n, n] matrix from rows of per-image tensors or constants (NVlabs's `matrix`)."""
    ref = next(x for row in rows for x in row if isinstance(x, torch.Tensor))
    elems = [x if isinstance(x, torch.Tensor) else torch.full_like(ref, float(x)) for row in rows for x in row]
    return torch.stack(elems, dim=-1).reshape(ref.shape + (len(rows), -1))


def nvlabs_matrices(params, batch, height, width):
    """G_inv and C built from the per-image parameters exactly in AugmentPipe.forward's order
    (the values after torch.where, i.e. the identity value where the gate stayed closed)."""
    P = {k: torch.tensor(v, dtype=torch.float64) for k, v in params.items()}
    one, zero = torch.ones(batch, dtype=torch.float64), torch.zeros(batch, dtype=torch.float64)
    translate = lambda tx, ty: batched([one, zero, tx], [zero, one, ty], [zero, zero, one])
    scale = lambda sx, sy: batched([sx, zero, zero], [zero, sy, zero], [zero, zero, one])
    rotate = lambda t: batched([torch.cos(t), torch.sin(-t), zero], [torch.sin(t), torch.cos(t), zero], [zero, zero, one])
    G_inv = torch.eye(3, dtype=torch.float64).expand(batch, 3, 3)
    if 'xflip' in P:
        G_inv = G_inv @ scale(1 / (1 - 2 * P['xflip']), one)  # scale2d_inv(1 - 2i, 1)
    if 'rotate90' in P:
        G_inv = G_inv @ rotate(-(-np.pi / 2 * P['rotate90']))  # rotate2d_inv(-pi/2 i)
    if 'xint' in P:
        t = P['xint'].reshape(batch, 2)
        G_inv = G_inv @ translate(-torch.round(t[:, 0] * width), -torch.round(t[:, 1] * height))
    if 'scale' in P:
        G_inv = G_inv @ scale(1 / P['scale'], 1 / P['scale'])
    if 'rotate_pre' in P:
        G_inv = G_inv @ rotate(P['rotate_pre'])  # rotate2d_inv(-theta)
    if 'aniso' in P:
        G_inv = G_inv @ scale(1 / P['aniso'], P['aniso'])  # scale2d_inv(s, 1/s)
    if 'rotate_post' in P:
        G_inv = G_inv @ rotate(P['rotate_post'])
    if 'xfrac' in P:
        t = P['xfrac'].reshape(batch, 2)
        G_inv = G_inv @ translate(-t[:, 0] * width, -t[:, 1] * height)

    I_4 = torch.eye(4, dtype=torch.float64)
    C = I_4.expand(batch, 4, 4)
    v = torch.tensor([1, 1, 1, 0], dtype=torch.float64) / np.sqrt(3)
    if 'brightness' in P:
        b = P['brightness']
        C = batched([one, zero, zero, b], [zero, one, zero, b], [zero, zero, one, b], [zero, zero, zero, one]) @ C
    if 'contrast' in P:
        c = P['contrast']
        C = batched([c, zero, zero, zero], [zero, c, zero, zero], [zero, zero, c, zero], [zero, zero, zero, one]) @ C
    if 'lumaflip' in P:
        C = (I_4 - 2 * v.ger(v) * P['lumaflip'].reshape(batch, 1, 1)) @ C
    if 'hue' in P:
        theta = P['hue']
        vx, vy, vz = v[0], v[1], v[2]
        s, c = torch.sin(theta), torch.cos(theta)
        cc = 1 - c
        C = batched([vx * vx * cc + c, vx * vy * cc - vz * s, vx * vz * cc + vy * s, zero],
                    [vy * vx * cc + vz * s, vy * vy * cc + c, vy * vz * cc - vx * s, zero],
                    [vz * vx * cc - vy * s, vz * vy * cc + vx * s, vz * vz * cc + c, zero],
                    [zero, zero, zero, one]) @ C
    if 'saturation' in P:
        s = P['saturation'].reshape(batch, 1, 1)
        C = (v.ger(v) + (I_4 - v.ger(v)) * s) @ C
    return G_inv, C


def reflect_pad(x, left, right, top, bottom):
    """Reflect padding of any size: rounds of at most (size - 1) per side, which repeat the
    reflection about the image's edge pixels (torch's 'reflect' allows one round only)."""
    while left > 0 or right > 0 or top > 0 or bottom > 0:
        h, w = x.shape[2], x.shape[3]
        step = [min(left, w - 1), min(right, w - 1), min(top, h - 1), min(bottom, h - 1)]
        x = F.pad(x, step, mode='reflect')
        left, right, top, bottom = left - step[0], right - step[1], top - step[2], bottom - step[3]
    return x


def margins(G_inv, width, height, extra):
    """NVlabs's padding: how far the four output corners reach outside the image, plus `extra`."""
    cx, cy = (width - 1) / 2, (height - 1) / 2
    cp = mat([[-cx, -cy, 1], [cx, -cy, 1], [cx, cy, 1], [-cx, cy, 1]])
    cp = G_inv @ cp.t()
    margin = cp[:, :2, :].permute(1, 0, 2).flatten(1)
    margin = torch.cat([-margin, margin]).max(dim=1).values
    margin = margin + torch.tensor([extra - cx, extra - cy] * 2, dtype=torch.float64)
    margin = margin.clamp(min=0).ceil().to(torch.int64)
    return [int(v) for v in margin]


def geometric_native(images, G_inv, mode='bilinear'):
    """NCHW images through per-image G_inv, at the image's resolution, reflect padding.
    mode: grid_sample's 'bilinear' (Ganvas), or 'bicubic' (torch's, a = -0.75) for comparison."""
    batch, _, height, width = images.shape
    # Beyond the corners: one pixel for bilinear's second tap, two for bicubic's (NVlabs: Hz_pad * 2 for its filter).
    mx0, my0, mx1, my1 = margins(G_inv, width, height, 1 if mode == 'bilinear' else 2)
    padded = reflect_pad(images, mx0, mx1, my0, my1)
    G = translate2d((mx0 - mx1) / 2, (my0 - my1) / 2) @ G_inv
    G = scale2d(2 / padded.shape[3], 2 / padded.shape[2]) @ G @ scale2d(width / 2, height / 2)
    grid = F.affine_grid(G[:, :2, :], [batch, images.shape[1], height, width], align_corners=False)
    return F.grid_sample(padded, grid, mode=mode, padding_mode='zeros', align_corners=False)


def upfirdn2d(x, f, up=1, down=1, padding=(0, 0, 0, 0), flip_filter=False, gain=1):
    """NVlabs's upfirdn2d reference semantics for a separable 1-D filter f (normalised to sum 1)."""
    batch, ch, h, w = x.shape
    x = x.reshape(batch, ch, h, 1, w, 1)
    x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
    x = x.reshape(batch, ch, h * up, w * up)
    px0, px1, py0, py1 = padding
    x = F.pad(x, [max(px0, 0), max(px1, 0), max(py0, 0), max(py1, 0)])
    x = x[:, :, max(-py0, 0):x.shape[2] - max(-py1, 0), max(-px0, 0):x.shape[3] - max(-px1, 0)]
    f = f * (gain ** 0.5)
    if not flip_filter:
        f = f.flip(0)
    fx = f.reshape(1, 1, 1, -1).repeat(ch, 1, 1, 1)
    fy = f.reshape(1, 1, -1, 1).repeat(ch, 1, 1, 1)
    x = F.conv2d(x, fx, groups=ch)
    x = F.conv2d(x, fy, groups=ch)
    return x[:, :, ::down, ::down]


def geometric_nvlabs(images, G_inv):
    """NVlabs's execution: pad, upsample 2x (sym6), grid_sample at 2x, downsample 2x, crop."""
    batch, ch, height, width = images.shape
    f = torch.tensor(SYM6, dtype=torch.float64)
    f = f / f.sum()
    hz_pad = len(SYM6) // 4
    mx0, my0, mx1, my1 = margins(G_inv, width, height, hz_pad * 2)
    x = reflect_pad(images, mx0, mx1, my0, my1)
    G = translate2d((mx0 - mx1) / 2, (my0 - my1) / 2) @ G_inv
    fw = len(SYM6)
    x = upfirdn2d(x, f, up=2, padding=((fw + 1) // 2, (fw - 2) // 2, (fw + 1) // 2, (fw - 2) // 2), gain=4)
    G = scale2d(2, 2) @ G @ scale2d(0.5, 0.5)
    G = translate2d(-0.5, -0.5) @ G @ translate2d(0.5, 0.5)
    shape = [batch, ch, (height + hz_pad * 2) * 2, (width + hz_pad * 2) * 2]
    G = scale2d(2 / x.shape[3], 2 / x.shape[2]) @ G @ scale2d(shape[3] / 2, shape[2] / 2)
    grid = F.affine_grid(G[:, :2, :], shape, align_corners=False)
    x = F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
    pad = -hz_pad * 2
    return upfirdn2d(x, f, down=2, padding=(pad + (fw - 1) // 2, pad + (fw - 2) // 2, pad + (fw - 1) // 2, pad + (fw - 2) // 2),
                     flip_filter=True)


def color(images, C):
    batch, ch, height, width = images.shape
    x = images.reshape(batch, ch, height * width)
    if ch == 3:
        x = C[:, :3, :3] @ x + C[:, :3, 3:]
    else:
        C = C[:, :3, :].mean(dim=1, keepdim=True)
        x = x * C[:, :, :3].sum(dim=2, keepdim=True) + C[:, :, 3:]
    return x.reshape(batch, ch, height, width)


def read(path, dtype, shape):
    return torch.from_numpy(np.fromfile(path, dtype=dtype).reshape(shape))


def lockstep(folder):
    meta = json.load(open(os.path.join(folder, 'meta.json')))
    b, h, w, c = meta['batch'], meta['height'], meta['width'], meta['channels']
    images = read(os.path.join(folder, 'images.f32'), np.float32, (b, h, w, c)).permute(0, 3, 1, 2).double()
    images.requires_grad_(True)
    if meta.get('params'):
        # Rebuild the matrices from Ganvas's parameters, NVlabs's way, and use those.
        G_inv, C = nvlabs_matrices(json.load(open(os.path.join(folder, 'params.json'))), b, h, w)
        G_inv.contiguous().numpy().tofile(os.path.join(folder, 'peer-geometric.f64'))
        C.contiguous().numpy().tofile(os.path.join(folder, 'peer-color.f64'))
    else:
        G_inv = read(os.path.join(folder, 'geometric.f64'), np.float64, (b, 3, 3)) if meta['geometric'] else None
        C = read(os.path.join(folder, 'color.f64'), np.float64, (b, 4, 4)) if meta['color'] else None
    x = images
    if G_inv is not None:
        x = geometric_native(x, G_inv, meta.get('interpolation', 'bilinear'))
    if C is not None:
        x = color(x, C)
    dy = read(os.path.join(folder, 'dy.f32'), np.float32, (b, h, w, c)).permute(0, 3, 1, 2).double()
    (grad,) = torch.autograd.grad((x * dy).sum(), images)
    nhwc = lambda t: t.detach().permute(0, 2, 3, 1).contiguous().float().numpy()
    nhwc(x).tofile(os.path.join(folder, 'out.f32'))
    nhwc(grad).tofile(os.path.join(folder, 'grad.f32'))
    print(json.dumps({'torch': torch.__version__, 'batch': b, 'height': h, 'width': w, 'channels': c}))


def smooth_images(batch, size, seed):
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(batch, 3, size, size, generator=g, dtype=torch.float64)
    spectrum = torch.fft.fft2(noise)
    fy = torch.fft.fftfreq(size, dtype=torch.float64).reshape(-1, 1)
    fx = torch.fft.fftfreq(size, dtype=torch.float64).reshape(1, -1)
    spectrum = spectrum * ((fx.abs() <= 0.125) & (fy.abs() <= 0.125))
    x = torch.fft.ifft2(spectrum).real
    return x / x.abs().amax(dim=(1, 2, 3), keepdim=True)


def ideal_shift(x, dx, dy):
    """x moved by (dx, dy) pixels, band-limited (periodic): output(p) = x(p - d)."""
    size = x.shape[-1]
    fy = torch.fft.fftfreq(size, dtype=torch.float64).reshape(-1, 1)
    fx = torch.fft.fftfreq(size, dtype=torch.float64).reshape(1, -1)
    phase = torch.exp(-2j * math.pi * (fx * dx + fy * dy))
    return torch.fft.ifft2(torch.fft.fft2(x) * phase).real


def gradient_energy(x):
    return float(((x[..., 1:, :] - x[..., :-1, :]) ** 2).sum() + ((x[..., :, 1:] - x[..., :, :-1]) ** 2).sum())


def geometric_params(batch, p, seed):
    """Geometric parameters as AugmentPipe draws them for 'bgc' at probability p (its defaults)."""
    g = torch.Generator().manual_seed(seed)
    rand = lambda *shape: torch.rand(*shape, generator=g, dtype=torch.float64)
    randn = lambda *shape: torch.randn(*shape, generator=g, dtype=torch.float64)
    gate = lambda prob, value, ident, width=1: torch.where(rand(batch, 1) < prob, value.reshape(batch, width),
                                                           torch.full((batch, width), float(ident), dtype=torch.float64)).flatten()
    p_rot = 1 - math.sqrt(min(max(1 - p, 0), 1))
    out = {}
    out['xflip'] = gate(p, torch.floor(rand(batch) * 2), 0)
    out['rotate90'] = gate(p, torch.floor(rand(batch) * 4), 0)
    out['xint'] = gate(p, (rand(batch, 2) * 2 - 1) * 0.125, 0, 2)
    out['scale'] = gate(p, torch.exp2(randn(batch) * 0.2), 1)
    out['rotate_pre'] = gate(p_rot, (rand(batch) * 2 - 1) * np.pi, 0)
    out['aniso'] = gate(p, torch.exp2(randn(batch) * 0.2), 1)
    out['rotate_post'] = gate(p_rot, (rand(batch) * 2 - 1) * np.pi, 0)
    out['xfrac'] = gate(p, randn(batch, 2) * 0.125, 0, 2)
    return {k: v.tolist() for k, v in out.items()}


def faces(size):
    """The built-in faces (public/datasets/faces.png, 64 px tiles), over white, box-downsampled, in [-1, 1]."""
    from PIL import Image
    root = os.path.join(os.path.dirname(__file__), '..', '..', 'public', 'datasets')
    meta = json.load(open(os.path.join(root, 'faces.json')))
    sheet = Image.open(os.path.join(root, 'faces.png')).convert('RGBA')
    tiles = []
    for i in range(meta['count']):
        x, y = (i % meta['columns']) * meta['tile'], (i // meta['columns']) * meta['tile']
        tile = Image.new('RGBA', (meta['tile'], meta['tile']), (255, 255, 255, 255))
        tile.alpha_composite(sheet.crop((x, y, x + meta['tile'], y + meta['tile'])))
        tiles.append(np.asarray(tile.convert('RGB').resize((size, size), Image.BOX), dtype=np.float64))
    return torch.from_numpy(np.stack(tiles) / 127.5 - 1).permute(0, 3, 1, 2).contiguous()


def blur(seed):
    size, batch, crop = 32, 16, 8
    # Part 1: a fractional shift of band-limited images, where the ideal result is known (FFT).
    # The images are periodic, so tile them 3x3 and cut the centre: the resamplers' reflection
    # never reaches the part that is compared.
    x = smooth_images(batch, size, seed)
    tiled = x.repeat(1, 1, 3, 3)
    inner = (slice(None), slice(None), slice(size + crop, 2 * size - crop), slice(size + crop, 2 * size - crop))
    for d in [0.0, 0.125, 0.25, 0.5]:
        # G_inv of a translation by d: output (p) reads input (p - d).
        G = translate2d(-d, -d).expand(batch, 3, 3)
        ideal = ideal_shift(x, d, d).repeat(1, 1, 3, 3)[inner]
        row = {'transform': f'shift {d} px', 'image': f'{size} px band-limited noise (1/4 Nyquist), peak 1'}
        for name, fn in [('bilinear', geometric_native), ('nvlabs_2x_sym6', geometric_nvlabs),
                         ('bicubic', lambda x, G: geometric_native(x, G, 'bicubic'))]:
            out = fn(tiled, G)[inner]
            row[name] = {'rms_vs_ideal': float(((out - ideal) ** 2).mean().sqrt()),
                         'gradient_energy_kept': gradient_energy(out) / gradient_energy(ideal)}
        print(json.dumps(row))
    # Part 2: the built-in faces at 32 px under bgc's geometric draws: how much detail each
    # resampler keeps (gradient energy over the input's; the transforms themselves change it
    # little on average), and how far our images are from NVlabs's.
    images = faces(size)
    for p in [0.2, 0.6, 1.0]:
        G_inv, _ = nvlabs_matrices(geometric_params(images.shape[0], p, seed), images.shape[0], size, size)
        ours, theirs = geometric_native(images, G_inv), geometric_nvlabs(images, G_inv)
        cubic = geometric_native(images, G_inv, 'bicubic')
        print(json.dumps({'transform': f'bgc geometry at p = {p}', 'image': f'{images.shape[0]} built-in faces, {size} px, [-1, 1]',
                          'bilinear': {'gradient_energy_kept': gradient_energy(ours) / gradient_energy(images)},
                          'nvlabs_2x_sym6': {'gradient_energy_kept': gradient_energy(theirs) / gradient_energy(images)},
                          'bicubic': {'gradient_energy_kept': gradient_energy(cubic) / gradient_energy(images)},
                          'rms_bilinear_vs_nvlabs': float(((ours - theirs) ** 2).mean().sqrt()),
                          'rms_bicubic_vs_nvlabs': float(((cubic - theirs) ** 2).mean().sqrt())}))


if __name__ == '__main__':
    if len(sys.argv) >= 2 and sys.argv[1] == '--blur':
        blur(int(sys.argv[3]) if len(sys.argv) >= 4 else 1)
    elif len(sys.argv) >= 2:
        for folder in sys.argv[1:]:
            lockstep(folder)
    else:
        sys.exit(__doc__)
