"""Exact principal component analysis of a set of images: the linear baseline the models are judged
against, and the starting point of a model's linear path (`vae.core.linear_path.LinearPath`)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

GRAM_CHUNK = 4096  # pixel columns per pass over the images


@dataclass
class Pca:
    mean: torch.Tensor  # (D,)
    components: torch.Tensor  # (K, D) orthonormal rows, largest variance first
    variances: torch.Tensor  # (K,) variance of the data along each component


def unit(images: torch.Tensor) -> torch.Tensor:
    """uint8 images to floats in [0, 1]; float images as they are."""
    return images.float() / 255.0 if images.dtype == torch.uint8 else images.float()


def fit_pca(images: torch.Tensor, components: int, *, chunk: int = GRAM_CHUNK) -> Pca:
    """Exact PCA of N images (uint8, or floats) of D values each.

    Eigenvectors of the D x D covariance when D <= N; otherwise the top eigenvectors U of the N x N
    Gram matrix G = Xc Xc^T of the centred images give the principal directions V = Xc^T U / sqrt(eigenvalue):
    the SVD of Xc without a D x D matrix or a float copy of all images. Sums run in float64 over
    float32 chunks of pixel columns."""
    x = images.flatten(1)
    count, dim = x.shape
    columns = [slice(start, min(start + chunk, dim)) for start in range(0, dim, chunk)]
    mean = torch.cat([unit(x[:, c]).double().mean(0) for c in columns])

    def centred(c: slice) -> torch.Tensor:
        return (unit(x[:, c]).double() - mean[c]).float()

    keep = min(components, dim, count - 1)  # centred data has rank at most N - 1
    if dim <= count:
        whole = centred(slice(None)).double()
        eigenvalues, eigenvectors = torch.linalg.eigh(whole.T @ whole)  # ascending
        eigenvalues, directions = eigenvalues.flip(0)[:keep], eigenvectors.flip(1)[:, :keep].T.float().contiguous()
        return Pca(mean.float(), directions, (eigenvalues.clamp_min(0) / count).float())
    gram = torch.zeros(count, count, dtype=torch.float64)
    for c in columns:
        block = centred(c)
        gram += (block @ block.T).double()
    eigenvalues, eigenvectors = torch.linalg.eigh(gram)
    eigenvalues, eigenvectors = eigenvalues.flip(0)[:keep], eigenvectors.flip(1)[:, :keep]
    scale = eigenvalues.clamp_min(1e-12).sqrt()
    directions = torch.empty(keep, dim)
    for c in columns:
        directions[:, c] = ((eigenvectors.T @ centred(c).double()) / scale[:, None]).float()
    return Pca(mean.float(), directions, (eigenvalues / count).float())


def pca_reconstruct(pca: Pca, images: torch.Tensor, components: int) -> torch.Tensor:
    """Images projected onto the first `components` directions and back, clipped to [0, 1]."""
    basis = pca.components[:components]
    centred = unit(images).flatten(1) - pca.mean
    return ((centred @ basis.T) @ basis + pca.mean).clamp(0, 1).view(images.shape)
