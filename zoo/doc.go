// Package zoo holds reference layers with hand-written forward and backward
// passes, generic over gradcheck.Float so that each runs in float64 and in
// float32, the small models composed from them, and a corpus of labelled
// gradient bugs planted in them.
//
// Every layer is checked as a *gradcheck.Model: its input and its
// parameters are blocks, and a layer alone ends in a probe loss
// Σ y ⊙ R with fixed random weights R, so that every output entry reaches
// the loss with a different weight.
//
// The corpus (Corpus) pairs each bug with what it is: its class, the
// diagnosis pattern it should produce where one applies, and its relative
// size where it is small, so that bench can tell a miss from a bug that
// finite differences cannot resolve (Resolution).
package zoo
