from setuptools import find_packages, setup

setup(
    name="freqnet",
    version="0.1.0",
    description="A deep-learning engine whose CNNs keep every layer in the frequency domain",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["freqnet", "freqnet.*"]),
    python_requires=">=3.10",
    install_requires=[
        "numpy>=1.24",
        "scipy>=1.10",
        "pyfftw>=0.13",
        "tqdm>=4.60",
        "matplotlib>=3.6",
        "mnist1d>=0.0.2",
    ],
    extras_require={
        # CuPy's wheel must match the CUDA major version of the driver
        # (`nvidia-smi` prints it): gpu for CUDA 13 drivers, gpu-cuda12 for CUDA 12
        "gpu": ["cupy-cuda13x>=13"],
        "gpu-cuda12": ["cupy-cuda12x>=12"],
        "test": ["pytest>=7", "hypothesis>=6"],
        "theory": ["mpmath>=1.2"],
        # data-parallel training (freqnet.distributed): mpi4py, and MPICH's wheel for mpiexec
        "mpi": ["mpi4py>=3.1", "mpich>=4"],
    },
    entry_points={"console_scripts": ["freqnet=freqnet.__main__:main"]},
)
