"""Transform-domain mathematics on plain arrays (DESIGN.md §2): Fourier,
Hartley and Laplace (Toom-Cook). No autograd here; ops wrap these."""
