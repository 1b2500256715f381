import pytest
import torch

from vae import ModelFileError, VAEConfig, build_model, count_parameters, load_model
from vae.core.model import save_model


def test_seed_network_has_the_seeds_parameter_count():
    assert count_parameters(build_model(VAEConfig(arch="seed", image_size=256, reconstruction="bce"))) == 55_975_555


def test_default_network_is_at_most_a_quarter_of_the_seed():
    for size in (128, 256):
        seed = count_parameters(build_model(VAEConfig(arch="seed", image_size=size)))
        default = count_parameters(build_model(VAEConfig(arch="resnet", image_size=size)))
        assert default * 4 <= seed


@pytest.mark.parametrize("arch", ["seed", "resnet"])
@pytest.mark.parametrize("size", [32, 64, 128, 256])
def test_shapes_at_each_size(arch, size):
    model = build_model(VAEConfig(arch=arch, image_size=size, latent_dim=16)).eval()
    x = torch.rand(2, 3, size, size)
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (2, 16)
    images = model.decode(torch.randn(3, 16))
    assert images.shape == (3, 3, size, size)
    assert images.min() >= 0 and images.max() <= 1
    logits, mu, logvar, z = model(x)
    assert logits.shape == x.shape and z.shape == (2, 16)


@pytest.mark.parametrize("bad", [0, 48, 16, 1024, 100])
def test_bad_image_size_is_refused_with_the_value(bad):
    with pytest.raises(ValueError, match=str(bad)):
        VAEConfig(image_size=bad)


def test_logvar_is_clamped():
    model = build_model(VAEConfig(image_size=32, latent_dim=4))
    with torch.no_grad():
        model.fc_logvar.bias.fill_(1e4)
    _, logvar = model.encode(torch.rand(1, 3, 32, 32))
    assert logvar.max() <= 20.0


def test_encode_gives_a_posterior_by_name_that_still_unpacks():
    model = build_model(VAEConfig(image_size=32, latent_dim=4)).eval()
    with torch.no_grad():
        posterior = model.encode(torch.rand(2, 3, 32, 32))
    mu, logvar = posterior
    assert mu is posterior.mean and logvar is posterior.logvar and posterior.mean.shape == (2, 4)


@pytest.mark.parametrize("arch", ["seed", "resnet"])
def test_save_load_round_trip_is_exact(tmp_path, arch):
    model = build_model(VAEConfig(arch=arch, image_size=32, latent_dim=8, beta=4.0)).eval()
    model.save_pretrained(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert loaded.config == model.config
    x, z = torch.rand(2, 3, 32, 32), torch.randn(2, 8)
    with torch.no_grad():
        assert torch.equal(model.encode(x).mean, loaded.encode(x).mean)
        assert torch.equal(model.decode(z), loaded.decode(z))


def test_half_precision_storage_loads_close(tmp_path):
    model = build_model(VAEConfig(image_size=32, latent_dim=8)).eval()
    save_model(model, tmp_path / "m", half=True)
    loaded = load_model(tmp_path / "m")
    z = torch.randn(2, 8)
    with torch.no_grad():
        assert torch.allclose(model.decode(z), loaded.decode(z), atol=1e-2)


def test_loading_refuses_mismatched_weights_and_names_the_file(tmp_path):
    build_model(VAEConfig(image_size=32, latent_dim=8)).save_pretrained(tmp_path / "m")
    (tmp_path / "m" / "config.json").write_text('{"arch": "resnet", "image_size": 32, "latent_dim": 16}')
    with pytest.raises(ModelFileError, match="model.safetensors"):
        load_model(tmp_path / "m")


def test_loading_refuses_missing_files_and_bad_config(tmp_path):
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "nowhere")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text("{}")
    with pytest.raises(ModelFileError, match="missing"):
        load_model(tmp_path / "m")
    build_model(VAEConfig(image_size=32, latent_dim=8)).save_pretrained(tmp_path / "m")
    (tmp_path / "m" / "config.json").write_text('{"arch": "resnet", "surprise": 1}')
    with pytest.raises(ModelFileError, match="surprise"):
        load_model(tmp_path / "m")


def test_a_model_started_from_pca_is_probabilistic_pca(pca_started_model):
    g = torch.Generator().manual_seed(0)
    images = torch.nn.functional.interpolate(torch.rand(300, 3, 8, 8, generator=g), size=32, mode="bilinear")
    model, small, pca = pca_started_model(images, latent_dim=16, linear_size=8)
    with torch.no_grad():
        mu, logvar = model.encode(images)
        reconstructed = model.decode(mu)
    # whitened codes: unit variance along every component, as the N(0, I) prior expects
    assert torch.allclose(mu.var(0), torch.ones(16), atol=0.02)
    assert torch.allclose(logvar, torch.full_like(logvar, -6.0), atol=3.0)
    centred = small - pca.mean
    pca_logits = centred @ pca.components[:16].T @ pca.components[:16] + pca.mean
    expected = torch.sigmoid(
        torch.nn.functional.interpolate(pca_logits.view(-1, 3, 8, 8), scale_factor=4, mode="bilinear")
    )
    assert torch.allclose(reconstructed, expected, atol=1e-4)  # the network adds nothing yet


def test_a_linear_path_from_fewer_photos_than_dimensions_leaves_the_rest_to_the_network(pca_started_model):
    images = torch.rand(5, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    model, _, _ = pca_started_model(images, latent_dim=16, linear_size=8)
    mu, _ = model.encode(torch.rand(3, 3, 32, 32))
    assert torch.isfinite(mu).all()
    assert (model.linear_path.encode_weight[4:] == 0).all()  # 5 photos have 4 components of variance


def test_a_linear_path_is_saved_loaded_and_not_trained(tmp_path, pca_started_model):
    images = torch.rand(40, 3, 32, 32, generator=torch.Generator().manual_seed(2))
    model, _, _ = pca_started_model(images, latent_dim=8, linear_size=16)
    assert not any("linear_path" in name for name, _ in model.named_parameters())
    model.save_pretrained(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    z = torch.randn(2, 8)
    with torch.no_grad():
        assert torch.equal(model.decode(z), loaded.decode(z))


@pytest.mark.parametrize("bad", [3, 48, 64])
def test_a_linear_size_that_does_not_divide_the_image_is_refused(bad):
    with pytest.raises(ValueError, match="linear_size"):
        VAEConfig(image_size=32, linear_size=bad)
