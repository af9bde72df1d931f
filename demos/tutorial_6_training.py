"""Tutorial step 6: a full training run, every layer on spectra (docs/tutorial.md; THEORY.md §10).

The layers of steps 1-5 put together: rfft2 once at the input, then
conv -> batch norm -> polynomial ReLU -> average pool, twice, and the
Parseval readout. Before training, the whole network is gradient-checked in
float64 and one training step is profiled (no inverse transform of the
activations); then it trains on noisy oriented gratings
(freqnet.data.make_gratings) with freqnet.optim.Adam and freqnet.train.fit.

    python demos/tutorial_6_training.py [--out figures] [--quick]
"""
import numpy as np

from _tutorial import Step

import freqnet
from freqnet import nn, optim
from freqnet.data import DataLoader, TensorDataset, make_gratings
from freqnet.gradcheck import GradcheckError
from freqnet.nn.functional import cross_entropy
from freqnet.train import evaluate, fit, seed_everything


#: Gaussian noise added to the unit-amplitude gratings (the task gets harder as it
#: grows); --quick trains on fewer, cleaner images so that two short epochs suffice.
NOISE, QUICK_NOISE = 2.0, 0.5


def frequency_cnn(size, dtype="float32", r=3.0):
    """All-frequency CNN for (1, size, size) images and 10 classes."""
    q = size // 4
    return nn.Sequential(
        nn.ToSpectrum2d(),
        nn.SpectralConv2d(1, 8, 5, dtype=dtype), nn.BatchNorm2d(8, dtype=dtype),
        nn.ReLU(mode="poly", degree=2, r=r), nn.AvgPool2d(2),
        nn.SpectralConv2d(8, 16, 3, dtype=dtype), nn.BatchNorm2d(16, dtype=dtype),
        nn.ReLU(mode="poly", degree=2, r=r), nn.AvgPool2d(2),
        nn.SpectralLinear(16, (q, q), 10, dtype=dtype))


def learned_filters(out_dir, weight, before):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    k = weight.shape[0]
    fig, ax = plt.subplots(3, k, figsize=(1.3 * k, 4.2))
    for i in range(k):
        ax[0, i].imshow(before[i, 0], cmap="RdBu")
        ax[1, i].imshow(weight[i, 0], cmap="RdBu")
        spectrum = freqnet.fft.fft2(freqnet.tensor(weight[i, 0].astype(complex)), s=(16, 16)).numpy()
        ax[2, i].imshow(np.fft.fftshift(np.abs(spectrum)), cmap="magma")
        for row in ax[:, i]:
            row.set_xticks([])
            row.set_yticks([])
    ax[0, 0].set_ylabel("init")
    ax[1, 0].set_ylabel("learned")
    ax[2, 0].set_ylabel("|spectrum|")
    fig.suptitle("first-layer 5x5 filters")
    path = f"{out_dir}/tutorial6_learned_filters.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def curves(out_dir, history):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    epochs = [h["epoch"] for h in history]
    fig, ax = plt.subplots(1, 2, figsize=(8, 3))
    ax[0].plot(epochs, [h["loss"] for h in history], "o-", label="train")
    ax[0].plot(epochs, [h["val_loss"] for h in history], "s-", label="test")
    ax[0].set_title("cross-entropy")
    ax[0].legend()
    ax[1].plot(epochs, [h["accuracy"] for h in history], "o-", label="train")
    ax[1].plot(epochs, [h["val_accuracy"] for h in history], "s-", label="test")
    ax[1].axhline(0.1, color="k", ls=":", label="chance")
    ax[1].set_title("accuracy")
    ax[1].legend()
    for a in ax:
        a.set_xlabel("epoch")
    path = f"{out_dir}/tutorial6_training.png"
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def main(argv=None):
    step = Step("Step 6: a full training run in the frequency domain", argv)
    size = 16
    seed_everything(0)

    step.section("the network (every layer maps spectrum -> spectrum; the head reads logits off it)")
    model = frequency_cnn(size)
    print("   " + repr(model).replace("\n", "\n   "))

    step.section("gradient check of the whole network, float64 (random direction, 2 images)")
    seed_everything(1)
    net64 = frequency_cnn(size, dtype="float64")
    xg = freqnet.tensor(make_gratings(2, size=size, seed=5)[0].astype(np.float64), dtype="float64")
    xg.requires_grad = True
    try:
        failed = not freqnet.gradcheck(lambda v: net64(v), (xg,), elementwise=False)
    except GradcheckError as err:
        print(f"   {err}")
        failed = True
    step.check("freqnet.gradcheck of the whole network w.r.t. its input (0 = passed)", float(failed), 0.0)

    n_train, n_test, epochs = (512, 256, 2) if step.quick else (2000, 1000, 4)
    noise = QUICK_NOISE if step.quick else NOISE
    x_train, y_train = make_gratings(n_train, size=size, noise=noise, seed=0)
    x_test, y_test = make_gratings(n_test, size=size, noise=noise, seed=1)
    train = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True, seed=0)
    test = DataLoader(TensorDataset(x_test, y_test), batch_size=256)

    step.section("one training step, profiled: domain switches")
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    xb, yb = next(iter(train))
    with freqnet.profile() as prof:
        loss = cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
    act_inv = prof.transform_count("inverse", role="activation")
    print(f"   forward transforms of activations: {prof.transform_count('forward', role='activation')}, "
          f"inverse: {act_inv}; transforms of weights (two conv kernels, the head): "
          f"{prof.transform_count('forward', role='weight')} forward, "
          f"{prof.transform_count('inverse', role='weight')} inverse")
    step.check("inverse transforms of activations in one training step", act_inv, 0)

    step.section(f"training: {n_train} gratings (noise {noise}), {epochs} epochs, Adam lr 1e-2, batch 64")
    before = model[1].weight.numpy()
    chance = evaluate(model, test)["loss"]
    history = fit(model, optimizer, train, epochs, val_loader=test, progress=False)
    final = history[-1]
    print(f"   test loss {chance:.3f} before training -> {final['val_loss']:.3f}; "
          f"test accuracy {final['val_accuracy']:.3f} (chance 0.1)")
    step.check("test loss fell below its value at initialisation (ratio)", final["val_loss"] / chance, 0.9)
    if not step.quick:
        step.check("test accuracy above chance by far (error rate)", 1 - final["val_accuracy"], 0.3)
    step.figure(learned_filters(step.out, model[1].weight.numpy(), before))
    step.figure(curves(step.out, history))
    return step.finish()


if __name__ == "__main__":
    raise SystemExit(main())
