"""Tunes: songs encoded as note tokens, the sequence GAN that learns them, and bar-exact generation.

`encoding` turns songs into training tensors and back, `model` is the "music-seq" GAN family, and
`generate` samples new tunes of any number of bars from a trained generator.
"""
