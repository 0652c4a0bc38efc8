module github.com/gradcheck/gradcheck/wild/spago

go 1.26

require (
	github.com/gradcheck/gradcheck v0.0.0
	github.com/nlpodyssey/spago v1.1.0
)

require github.com/google/flatbuffers v23.5.26+incompatible // indirect

replace github.com/gradcheck/gradcheck => ../..
