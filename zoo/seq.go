package zoo

import "github.com/gradcheck/gradcheck"

// Embedding looks up the rows Ids of a V×D table. It has no input: its
// output is N×D for N ids.
type Embedding[T gradcheck.Float] struct {
	V, D int
	Ids  []int
	E    *Param[T]
	bug  Bug
}

func (l *Embedding[T]) Params() []*Param[T] { return []*Param[T]{l.E} }

func (l *Embedding[T]) Forward([]T) []T {
	y := make([]T, len(l.Ids)*l.D)
	for n, id := range l.Ids {
		copy(y[n*l.D:(n+1)*l.D], l.E.Value[id*l.D:(id+1)*l.D])
	}
	return y
}

func (l *Embedding[T]) Backward(dy []T) []T {
	for n, id := range l.Ids {
		row := id
		if l.bug == BugEmbedPlusOne {
			row = id + 1 // ids taken as 1-based; the last row's update falls off the table
			if row >= l.V {
				continue
			}
		}
		for d := range l.D {
			if l.bug == BugEmbedOverwrite {
				l.E.Grad[row*l.D+d] = dy[n*l.D+d] // a repeated id keeps only its last update
			} else {
				l.E.Grad[row*l.D+d] += dy[n*l.D+d]
			}
		}
	}
	return nil
}

// LSTM runs an LSTM over Steps time steps of an input Steps×N×In, from
// zero state, and outputs the hidden states Steps×N×H. The gates are laid
// out [i f g o] along the 4H columns of Wx (In×4H), Wh (H×4H) and B.
type LSTM[T gradcheck.Float] struct {
	Steps, N, In, H int
	Wx, Wh, B       *Param[T]

	x          []T
	gates      []T // Steps×N×4H, after their nonlinearities
	c, h, tanc []T // Steps×N×H
	bug        Bug
}

func (l *LSTM[T]) Params() []*Param[T] { return []*Param[T]{l.Wx, l.Wh, l.B} }

func (l *LSTM[T]) Forward(x []T) []T {
	S, N, In, H := l.Steps, l.N, l.In, l.H
	l.x = x
	l.gates = make([]T, S*N*4*H)
	l.c, l.h, l.tanc = make([]T, S*N*H), make([]T, S*N*H), make([]T, S*N*H)
	for t := range S {
		for n := range N {
			g := l.gates[(t*N+n)*4*H : (t*N+n+1)*4*H]
			for j := range 4 * H {
				z := l.B.Value[j]
				for i := range In {
					z += x[(t*N+n)*In+i] * l.Wx.Value[i*4*H+j]
				}
				if t > 0 {
					for k := range H {
						z += l.h[((t-1)*N+n)*H+k] * l.Wh.Value[k*4*H+j]
					}
				}
				if j >= 2*H && j < 3*H {
					g[j] = tanh(z)
				} else {
					g[j] = sigmoid(z)
				}
			}
			for k := range H {
				i := (t*N+n)*H + k
				var cprev T
				if t > 0 {
					cprev = l.c[i-N*H]
				}
				l.c[i] = g[H+k]*cprev + g[k]*g[2*H+k]
				l.tanc[i] = tanh(l.c[i])
				l.h[i] = g[3*H+k] * l.tanc[i]
			}
		}
	}
	return l.h
}

func (l *LSTM[T]) Backward(dy []T) []T {
	S, N, In, H := l.Steps, l.N, l.In, l.H
	dx := make([]T, len(l.x))
	dhNext, dcNext := make([]T, N*H), make([]T, N*H)
	da := make([]T, 4*H)
	for t := S - 1; t >= 0; t-- {
		for n := range N {
			g := l.gates[(t*N+n)*4*H : (t*N+n+1)*4*H]
			for k := range H {
				i := (t*N+n)*H + k
				var cprev T
				if t > 0 {
					cprev = l.c[i-N*H]
				}
				dh := dy[i] + dhNext[n*H+k]
				gi, gf, gg, gout := g[k], g[H+k], g[2*H+k], g[3*H+k]
				dc := dcNext[n*H+k] + dh*gout*(1-l.tanc[i]*l.tanc[i])
				switch l.bug {
				case BugLSTMNoCellPath:
					dc = dh * gout * (1 - l.tanc[i]*l.tanc[i]) // the cell state's own path through time dropped
				case BugLSTMNoTanhDeriv:
					dc = dcNext[n*H+k] + dh*gout
				}
				df := dc * cprev
				if l.bug == BugLSTMForgetCt {
					df = dc * l.c[i] // the new cell state where the old one belongs
				}
				dcNext[n*H+k] = dc * gf
				da[k] = dc * gg * gi * (1 - gi)
				da[H+k] = df * gf * (1 - gf)
				da[2*H+k] = dc * gi * (1 - gg*gg)
				da[3*H+k] = dh * l.tanc[i] * gout * (1 - gout)
			}
			for k := range H {
				dhNext[n*H+k] = 0
			}
			for j := range 4 * H {
				l.B.Grad[j] += da[j]
				for i := range In {
					l.Wx.Grad[i*4*H+j] += l.x[(t*N+n)*In+i] * da[j]
					dx[(t*N+n)*In+i] += da[j] * l.Wx.Value[i*4*H+j]
				}
				if t > 0 {
					for k := range H {
						l.Wh.Grad[k*4*H+j] += l.h[((t-1)*N+n)*H+k] * da[j]
						dhNext[n*H+k] += da[j] * l.Wh.Value[k*4*H+j]
					}
				}
			}
		}
	}
	return dx
}

// Attention is single-head scaled dot-product self-attention over a
// sequence X of Len×Dm: Q, K, V = X·Wq, X·Wk, X·Wv (Dm×D each), and the
// output softmax(Q·Kᵀ/√D)·V is Len×D.
type Attention[T gradcheck.Float] struct {
	Len, Dm, D int
	Wq, Wk, Wv *Param[T]

	x, q, k, v, p []T
	bug           Bug
}

func (l *Attention[T]) Params() []*Param[T] { return []*Param[T]{l.Wq, l.Wk, l.Wv} }

func (l *Attention[T]) scale() T { return 1 / sqrt(T(l.D)) }

func (l *Attention[T]) Forward(x []T) []T {
	L, D := l.Len, l.D
	l.x = x
	l.q, l.k, l.v = matmul(x, l.Wq.Value, L, l.Dm, D), matmul(x, l.Wk.Value, L, l.Dm, D), matmul(x, l.Wv.Value, L, l.Dm, D)
	s := make([]T, L*L)
	for i := range L {
		for j := range L {
			var z T
			for d := range D {
				z += l.q[i*D+d] * l.k[j*D+d]
			}
			s[i*L+j] = z * l.scale()
		}
	}
	l.p = make([]T, L*L)
	for i := range L {
		softmaxRow(l.p[i*L:(i+1)*L], s[i*L:(i+1)*L])
	}
	return matmul(l.p, l.v, L, L, D)
}

func (l *Attention[T]) Backward(dO []T) []T {
	L, D, Dm := l.Len, l.D, l.Dm
	dv := make([]T, L*D)
	dp := make([]T, L*L)
	for i := range L {
		for j := range L {
			for d := range D {
				if l.bug == BugAttnDVUntransposed {
					dv[i*D+d] += l.p[i*L+j] * dO[j*D+d] // P·dO where Pᵀ·dO belongs
				} else {
					dv[j*D+d] += l.p[i*L+j] * dO[i*D+d]
				}
				dp[i*L+j] += dO[i*D+d] * l.v[j*D+d]
			}
		}
	}
	ds := make([]T, L*L)
	for i := range L {
		softmaxBackRow(ds[i*L:(i+1)*L], dp[i*L:(i+1)*L], l.p[i*L:(i+1)*L], l.bug)
	}
	sc := l.scale()
	if l.bug == BugAttnNoScale {
		sc = 1 // the forward's 1/√D forgotten in the backward
	}
	dq, dk := make([]T, L*D), make([]T, L*D)
	for i := range L {
		for j := range L {
			g := ds[i*L+j] * sc
			for d := range D {
				dq[i*D+d] += g * l.k[j*D+d]
				dk[j*D+d] += g * l.q[i*D+d]
			}
		}
	}
	dx := make([]T, L*Dm)
	for _, w := range []struct {
		p  *Param[T]
		dz []T
	}{{l.Wq, dq}, {l.Wk, dk}, {l.Wv, dv}} {
		for i := range L {
			for m := range Dm {
				for d := range D {
					w.p.Grad[m*D+d] += l.x[i*Dm+m] * w.dz[i*D+d]
					dx[i*Dm+m] += w.dz[i*D+d] * w.p.Value[m*D+d]
				}
			}
		}
	}
	return dx
}

// matmul returns the r×c product of a (r×k) and b (k×c).
func matmul[T gradcheck.Float](a, b []T, r, k, c int) []T {
	out := make([]T, r*c)
	for i := range r {
		for j := range c {
			var s T
			for m := range k {
				s += a[i*k+m] * b[m*c+j]
			}
			out[i*c+j] = s
		}
	}
	return out
}

// Residual is y = x + f(x) for the chain of layers f.
type Residual[T gradcheck.Float] struct {
	Inner []Layer[T]
	bug   Bug
}

func (r *Residual[T]) Params() []*Param[T] {
	var ps []*Param[T]
	for _, l := range r.Inner {
		ps = append(ps, l.Params()...)
	}
	return ps
}

func (r *Residual[T]) Forward(x []T) []T {
	y := x
	for _, l := range r.Inner {
		y = l.Forward(y)
	}
	out := make([]T, len(x))
	for i := range out {
		out[i] = x[i] + y[i]
	}
	return out
}

func (r *Residual[T]) Backward(dy []T) []T {
	d := dy
	for k := len(r.Inner) - 1; k >= 0; k-- {
		d = r.Inner[k].Backward(d)
	}
	if r.bug == BugNoSkipGrad {
		return d // the skip connection's identity path forgotten
	}
	dx := make([]T, len(dy))
	for i := range dx {
		dx[i] = dy[i] + d[i]
	}
	return dx
}
