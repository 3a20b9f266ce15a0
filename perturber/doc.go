// Package perturber builds the image views of IIC's training pairs and the
// evaluation view from raw MNIST digits. It is the numeric core of the
// perturber pool: plain functions and types that the pool's actors call, with
// no knowledge of actors, so that every transform can be tested alone.
//
// It follows the authors' PyTorch code (spec §b.1, "X"), not the TensorFlow
// port: every image draws its own crop offsets, brightness multiplies and
// clips, and the two jitter operations run in a random order.
//
// # Views
//
// Every view starts from the raw ImageSide×ImageSide image scaled to [0, 1]
// by /255 (no mean/std normalisation) and ends as an InputSize×InputSize
// float32 image:
//
//   - x (tf1; DrawXParams, ApplyX, XView): with probability ½ a random
//     CropOrig crop, else the centre crop; resized to InputSize.
//   - x′ (tf2; DrawXPrimeParams, ApplyXPrime, XPrimeView): with probability
//     RotateProb a rotation by an angle uniform in ±RotateDeg; a random crop
//     whose side is drawn uniformly from CropOther; resize to InputSize;
//     brightness and contrast jitter in a random order.
//   - eval (tf3; EvalView): the centre CropOrig crop resized to InputSize.
//
// The x and x′ views are drawn independently from the raw image: x′ is not
// applied on top of x.
//
// # Batches
//
// MakeBatch turns B dataset indices into r·B pairs laid out as r
// consecutive blocks of the same B images: pair p = j·B + i holds image i's
// only x view (so the x blocks are copies of block 0) and its j-th x′ view.
// Both tensors are [B·r, 1, InputSize, InputSize] (NCHW, C = 1).
//
// What slot i of step s receives is a pure function of (seed, s, i): ImageRNG
// derives one random stream per slot, from which the x parameters and then
// the r x′ parameters are drawn in that order. A batch is therefore the same
// whichever worker builds it and whatever the other slots hold.
//
// # Differences from PIL
//
// The original runs these transforms with PIL on 8-bit images. This package
// keeps float32 throughout, which gives these small, deliberate differences:
//
//   - PIL rounds to 8 bits after the resize, the brightness and the contrast
//     step; here nothing is quantised, so a view can differ from PIL's by
//     about half a grey level (1/510) per step.
//   - Contrast blends with the image's mean grey level, which PIL takes from
//     the 8-bit image and rounds to an integer level. Here the float mean is
//     rounded the same way: m = ⌊255·mean + ½⌋ / 255.
//   - PIL's nearest-neighbour rotation steps through source coordinates in
//     16.16 fixed point; here they are computed per pixel in float64, so a
//     pixel whose source coordinate falls within about 1e-4 of a pixel border
//     may take the neighbouring value. The rotation matrix is rounded to 15
//     decimals as PIL does, so multiples of 90° are exact.
//   - PIL's resize uses fixed-point weights for 8-bit images; here the
//     weights are float32 normalised in float64.
package perturber
