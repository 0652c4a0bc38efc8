package zoo

import "github.com/gradcheck/gradcheck"

// Conv2D is a 2-D convolution (cross-correlation, as in every framework)
// of an N×C×H×W input with an F×C×K×K kernel, with stride S and zero
// padding P; the output is N×F×OH×OW with OH = (H + 2P − K)/S + 1.
type Conv2D[T gradcheck.Float] struct {
	N, C, H, W, F, K, S, P int
	Kern, B                *Param[T]
	x                      []T
	bug                    Bug
}

func (l *Conv2D[T]) Params() []*Param[T] { return []*Param[T]{l.Kern, l.B} }

// OutHW returns the output's height and width.
func (l *Conv2D[T]) OutHW() (int, int) {
	return (l.H+2*l.P-l.K)/l.S + 1, (l.W+2*l.P-l.K)/l.S + 1
}

func (l *Conv2D[T]) xi(n, c, h, w int) int   { return ((n*l.C+c)*l.H+h)*l.W + w }
func (l *Conv2D[T]) ki(f, c, kh, kw int) int { return ((f*l.C+c)*l.K+kh)*l.K + kw }
func (l *Conv2D[T]) yi(n, f, oh, ow int) int {
	oh_, ow_ := l.OutHW()
	return ((n*l.F+f)*oh_+oh)*ow_ + ow
}

func (l *Conv2D[T]) Forward(x []T) []T {
	l.x = x
	OH, OW := l.OutHW()
	y := make([]T, l.N*l.F*OH*OW)
	for n := range l.N {
		for f := range l.F {
			for oh := range OH {
				for ow := range OW {
					z := l.B.Value[f]
					for c := range l.C {
						for kh := range l.K {
							ih := oh*l.S + kh - l.P
							if ih < 0 || ih >= l.H {
								continue
							}
							for kw := range l.K {
								iw := ow*l.S + kw - l.P
								if iw < 0 || iw >= l.W {
									continue
								}
								z += x[l.xi(n, c, ih, iw)] * l.Kern.Value[l.ki(f, c, kh, kw)]
							}
						}
					}
					y[l.yi(n, f, oh, ow)] = z
				}
			}
		}
	}
	return y
}

func (l *Conv2D[T]) Backward(dy []T) []T {
	OH, OW := l.OutHW()
	dx := make([]T, len(l.x))
	hmax := l.H
	if l.bug == BugConvPadEdge {
		hmax = l.H - 1 // the padding's bound written as an index bound: the last row drops out
	}
	for n := range l.N {
		for f := range l.F {
			for oh := range OH {
				for ow := range OW {
					g := dy[l.yi(n, f, oh, ow)]
					l.B.Grad[f] += g
					for c := range l.C {
						for kh := range l.K {
							ih := oh*l.S + kh - l.P
							kih := ih
							if l.bug == BugConvStride {
								kih = oh + kh - l.P // the stride forgotten in the kernel gradient
							}
							for kw := range l.K {
								iw := ow*l.S + kw - l.P
								kiw := iw
								if l.bug == BugConvStride {
									kiw = ow + kw - l.P
								}
								if kih >= 0 && kih < l.H && kiw >= 0 && kiw < l.W {
									l.Kern.Grad[l.ki(f, c, kh, kw)] += g * l.x[l.xi(n, c, kih, kiw)]
								}
								if ih >= 0 && ih < hmax && iw >= 0 && iw < l.W && l.bug != BugConvUnflipped {
									dx[l.xi(n, c, ih, iw)] += g * l.Kern.Value[l.ki(f, c, kh, kw)]
								}
							}
						}
					}
				}
			}
		}
	}
	if l.bug == BugConvUnflipped {
		l.fullCorrelationUnflipped(dy, dx)
	}
	return dx
}

// fullCorrelationUnflipped computes dx the way it is taught, as a full
// convolution of dy with the kernel rotated by 180°, but forgets the
// rotation. Written for stride 1, the only stride where the textbook form
// applies.
func (l *Conv2D[T]) fullCorrelationUnflipped(dy, dx []T) {
	OH, OW := l.OutHW()
	for n := range l.N {
		for c := range l.C {
			for ih := range l.H {
				for iw := range l.W {
					var s T
					for f := range l.F {
						for a := range l.K {
							oh := ih + l.P - l.K + 1 + a
							if oh < 0 || oh >= OH {
								continue
							}
							for b := range l.K {
								ow := iw + l.P - l.K + 1 + b
								if ow < 0 || ow >= OW {
									continue
								}
								// Right: Kern[f, c, K−1−a, K−1−b].
								s += dy[l.yi(n, f, oh, ow)] * l.Kern.Value[l.ki(f, c, a, b)]
							}
						}
					}
					dx[l.xi(n, c, ih, iw)] = s
				}
			}
		}
	}
}

// MaxPool2D takes the maximum of each K×K window with stride K of an
// N×C×H×W input. Ties go to the first entry of the window in row-major
// order.
type MaxPool2D[T gradcheck.Float] struct {
	N, C, H, W, K int
	arg           []int
	bug           Bug
}

func (l *MaxPool2D[T]) Params() []*Param[T] { return nil }

func (l *MaxPool2D[T]) OutHW() (int, int) { return l.H / l.K, l.W / l.K }

func (l *MaxPool2D[T]) Forward(x []T) []T {
	OH, OW := l.OutHW()
	y := make([]T, l.N*l.C*OH*OW)
	l.arg = make([]int, len(y))
	o := 0
	for nc := range l.N * l.C {
		for oh := range OH {
			for ow := range OW {
				best := -1
				for kh := range l.K {
					for kw := range l.K {
						i := (nc*l.H+oh*l.K+kh)*l.W + ow*l.K + kw
						if best < 0 || x[i] > x[best] {
							best = i
						}
					}
				}
				if l.bug == BugPoolFirst {
					l.arg[o] = (nc*l.H+oh*l.K)*l.W + ow*l.K // the window's first entry, not its maximum
				} else {
					l.arg[o] = best
				}
				y[o] = x[best]
				o++
			}
		}
	}
	return y
}

func (l *MaxPool2D[T]) Backward(dy []T) []T {
	dx := make([]T, l.N*l.C*l.H*l.W)
	for o, g := range dy {
		dx[l.arg[o]] += g
	}
	return dx
}
