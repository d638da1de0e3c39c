"""Ganvas runs continued in PyTorch: the .ganvas project format, Ganvas's DCGAN and its training round.

See docs/graduate.md. `python3 -m ganvas_torch.train` continues a project (one process or torchrun),
`python3 -m ganvas_torch.export_onnx` writes its generator as ONNX.
"""
__version__ = '0.1.0'
