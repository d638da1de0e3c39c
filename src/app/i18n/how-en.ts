/**
 * English text of the "How it works" page (components/HowItWorks.tsx): the source of truth for
 * its shape. `how-zh.ts` is typed by `HowText`, so a missing key there is a compile error; the
 * unit test tests/unit/how-i18n.test.ts checks that no leaf is empty or left untranslated.
 *
 * Markup inside paragraph strings: `backticks` mark code (URL parameters, formulas), rendered as
 * <code> and kept identical in every language; **double stars** mark the term a paragraph defines,
 * rendered as <strong>. Diagram labels are plain text. `{r}` in `styleFig.block` is a resolution.
 * Each paragraph is a separate key so translations line up one to one.
 */
export const howEn = {
  title: 'How it works',
  close: 'Close',
  contents: 'Contents',
  showMe: 'Show me',
  inApp: 'In the app:',

  generation: {
    heading: 'What generation is',
    p1: 'A generative model learns a distribution from examples — here a few hundred images — and then draws new samples from it: images that look as if they came from the same source, but are not copies of any one example.',
    p2: 'It learns a function, not a table. A latent z is a vector of random numbers, drawn from a normal distribution; the generator G, a neural network, turns each z into an image. A fresh z gives a fresh sample, and nearby z give similar images.',
    p3: 'Training adjusts G until the images it makes from random z are spread like the training images. The hard part is telling G which way is “more like the data”.',
    where: 'each cell of the sample grid in 2 · Train is one fixed z run through the current G.',
  },

  autoencoder: {
    heading: 'Why not an autoencoder?',
    p1: 'An autoencoder trains an encoder that squeezes an image into a short code and a decoder that rebuilds the image from it, by the per-pixel mean squared error (MSE) between input and output. A variational autoencoder (VAE) adds a KL term that keeps the codes close to a normal distribution, so a random code decodes to a new image.',
    p2: 'Per-pixel MSE treats “similar” as “close pixel by pixel”: a sharp edge one pixel out of place costs more than a soft, blurred edge in roughly the right place. When the decoder is unsure — where exactly a hairline runs, which way a stroke bends — the output with the least expected error is the average of the plausible answers, and the average of many sharp images is one blurry image.',
    p3: 'A GAN replaces this fixed ruler with a learned judge that rejects blur, because real images are not blurry.',
    try: '**Try it:** choose Autoencoder or VAE in Settings → Model, or open the page with `?model=autoencoder` or `?model=vae`. Train on the same data as a GAN and compare the grids and the SWD. The decoder is the same network as the DCGAN generator, so the difference comes from the loss, not the network.',
    where: 'Settings → Model.',
  },

  game: {
    heading: 'The GAN game',
    p1: 'A generative adversarial network (GAN) trains two networks against each other. The generator G turns random z into images. The discriminator D looks at one image and outputs the probability that it is real, that is, from the training set rather than made by G.',
    p2: 'Each round, D sees a batch of real images and a batch of G’s fakes and is nudged to score reals towards 1 and fakes towards 0. Then G is nudged so that D scores its fakes higher: G’s gradient flows back through D, but only G’s weights change in G’s step. G never sees a training image; all it learns about the data comes through D.',
    loss: '**Non-saturating loss:** instead of minimising `log(1 − D(G(z)))`, which goes flat while D confidently rejects every fake (early in training, when G most needs a signal), G maximises `log D(G(z))`, whose gradient is strongest exactly then.',
    half: '**D(real) = D(fake) = 0.5** means D cannot tell reals from fakes: the equilibrium the game aims for. If G matched the data exactly, guessing would be the best D could do. It does not prove the images are good, though — a weak D cannot tell either.',
    oscillate:
      '**The losses oscillate** instead of falling: each player’s loss is defined by the other player, who keeps changing. When D gets better, G’s loss rises until G catches up, and the other way round. Judge progress by the grid and the SWD, not by the curves. A D loss that sinks towards 0 and stays there means D has won, and G is usually no longer improving.',
    collapse:
      '**Mode collapse:** G finds a few images that fool the current D and maps most z to them. In the grid, many cells look the same although each has its own z; the whole grid may then jump together to a new favourite once D catches on.',
    where: 'the sample grid, the loss chart, the D(real) / D(fake) readout and the game controls in 2 · Train.',
  },

  gameFig: {
    label:
      'Diagram of the GAN game: random z goes into the generator G, which makes generated images. Generated and real images go into the discriminator D, which outputs the probability that an image is real. D’s update pushes reals towards 1 and fakes towards 0; G’s update flows back through D to G and pushes D’s verdict on fakes towards real.',
    z: 'random',
    g: 'generator',
    fake: 'generated images',
    real: 'training images',
    d: 'discriminator',
    out: 'real?',
    outSub: 'probability',
    dLearns: 'D learns: real → 1, fake → 0',
    gLearns: 'G learns: make D say “real”',
    caption:
      'One round of the game. Dashed: D’s update, from real and generated images alike. Solid: G’s update, whose gradient passes through D (D stays fixed in that step).',
  },

  style: {
    heading: 'The style-based generator',
    p1: 'A DCGAN feeds z into its first layer. A style-based generator (StyleGAN) first passes z through a mapping network, a small multilayer perceptron (MLP), to an intermediate latent w. The synthesis network starts from a learned 4×4 constant, not from z, and doubles the resolution block by block up to full size.',
    p2: 'At every convolution a learned affine map turns w into a style, one scale per input channel, which modulates the convolution’s weights (StyleGAN2; the first StyleGAN used AdaIN). Each layer also adds per-pixel random noise with a learned strength: a free source of randomness for stochastic detail such as texture, so that w need not encode it.',
    layers:
      'Layers at different resolutions control different things: coarse layers (4–8 px) pose and overall shape, middle layers the features in between, fine layers (full resolution) colour and texture.',
    mixing:
      '**Style mixing:** take the coarse styles from one sample and the fine styles from another, and the result has the first one’s pose and shape with the second one’s colours and texture. Training mixes two latents at a random layer in most batches, so the network cannot assume that neighbouring layers share one style.',
    truncation:
      '**Truncation ψ:** `w = w̄ + ψ(w − w̄)`, where w̄ is the average w. ψ = 1 keeps the full variety; smaller ψ pulls every sample towards the average, so images look more typical and cleaner but more alike. It trades variety for typical quality; ψ above 1 exaggerates the differences instead.',
    ema: '**EMA generator:** the samples shown come from a copy of G whose weights are an exponential moving average of G’s weights over training. The game makes G’s weights jitter from step to step; the average smooths that out and usually gives cleaner images. The average itself is never trained.',
    r1: '**R1 regularisation** penalises the gradient of D at real images (`γ/2 · ‖∇D(x)‖²`), so D stays smooth around the data instead of becoming a cliff that gives G unstable gradients.',
    ppl: '**Perceptual path length** (PPL) measures how much the image changes for a small step in the latent space, averaged over many random points. Lower means a smoother latent space. W is usually smoother than z: z is tied to a fixed normal distribution, so the generator must bend it to fit the data, while the learned mapping network can unwarp it so that straight lines in W follow the data more evenly. Ganvas measures the change with a Laplacian pyramid rather than the paper’s pretrained VGG network, so its numbers are not comparable with published ones.',
    where: 'the explorer in 3 · Explore: truncation slider, interpolation in W or z, the style-mixing grid and resampled noise. EMA and R1 are in Settings.',
  },

  styleFig: {
    label:
      'Diagram of the style-based generator: z goes through the mapping network to w. Affine maps A turn w into a style for each convolution block of the synthesis network, which starts from a learned 4×4 constant and grows through 4, 8, 16 and 32 pixels to the image. Noise enters every block. The 4 and 8 pixel blocks are coarse, 16 middle, 32 fine.',
    mapping: 'mapping network (MLP)',
    constant: 'learned 4×4 constant',
    block: 'conv · {r}×{r}',
    noise: 'noise',
    image: 'image',
    coarse: 'coarse',
    coarseSub: 'pose, shape',
    middle: 'middle',
    middleSub: 'features',
    fine: 'fine',
    fineSub: 'colour, texture',
    caption:
      'StyleGAN at 32 px. A: a learned affine map from w to one block’s style. Every block takes the same w (in style mixing, some blocks take another sample’s w) and its own noise.',
  },

  smallData: {
    heading: 'Training on small data',
    p1: 'With a hundred images, D soon memorises the training set: it scores those exact images as real and everything else as fake. Its verdicts then say nothing useful about what real images look like, and G’s samples degrade.',
    p2: 'Augmentation shows D randomly shifted, recoloured or cut-out images. Reals and fakes are augmented alike (DiffAugment), and G learns through the same differentiable transforms. Augmenting only the reals would teach D that distorted images are real, and push G to produce the distortions.',
    p3: '**ADA** (adaptive discriminator augmentation) applies each augmentation with probability p and steers p by how sure D is about the reals: p rises while `E[sign D(real)] > 0.6` and falls otherwise. Since some images still reach D untouched, the clean images remain what G must match, so the augmentations do not leak into G’s samples as long as p stays well below 1.',
    where: 'the augmentation switches and ADA in Settings; the “what D sees” strip under the grid while augmentation is on.',
  },

  reading: {
    heading: 'How to read the page',
    parts: 'The page has three parts, in the order you use them:',
    data: '**1 · Data:** pick a built-in set or drop your own images, and see them as the model sees them.',
    train: '**2 · Train:** the live sample grid, the losses, D(real) and D(fake), the game controls, Settings and the quality measures.',
    explore: '**3 · Explore:** truncation, interpolation between two pinned samples and, for StyleGAN, style mixing and noise.',
    swd: '**SWD**, the sliced Wasserstein distance (from ProGAN), compares generated and real images: each image is split into a Laplacian pyramid, one band per scale; small 7×7 patches from every band are projected on random directions, and the distance between the sorted projections of the two sets is averaged. Lower is closer to the data, and the per-level numbers separate coarse structure from fine detail. It needs no pretrained network, so it works offline; compare it only between runs at the same resolution on the same data.',
    nearest:
      '**The copy check** finds, for each grid sample, the closest training image on small normalised thumbnails. A low SWD means little if the samples are replays of training images; if most of them are near-copies, G has memorised the data rather than learned to generate.',
  },

  references: {
    heading: 'References',
    goodfellow: { who: 'Goodfellow et al., 2014', title: 'Generative Adversarial Nets' },
    kingma: { who: 'Kingma and Welling, 2014 (VAE)', title: 'Auto-Encoding Variational Bayes' },
    radford: { who: 'Radford et al., 2015 (DCGAN)', title: 'Unsupervised Representation Learning with Deep Convolutional Generative Adversarial Networks' },
    progan: { who: 'Karras et al., 2018 (ProGAN, SWD)', title: 'Progressive Growing of GANs for Improved Quality, Stability, and Variation' },
    mescheder: { who: 'Mescheder et al., 2018 (R1)', title: 'Which Training Methods for GANs do actually Converge?' },
    stylegan: { who: 'Karras et al., 2019 (StyleGAN)', title: 'A Style-Based Generator Architecture for Generative Adversarial Networks' },
    stylegan2: { who: 'Karras et al., 2020 (StyleGAN2)', title: 'Analyzing and Improving the Image Quality of StyleGAN' },
    ada: { who: 'Karras et al., 2020 (StyleGAN2-ADA)', title: 'Training Generative Adversarial Networks with Limited Data' },
    diffaug: { who: 'Zhao et al., 2020 (DiffAugment)', title: 'Differentiable Augmentation for Data-Efficient GAN Training' },
  },
};

/** The shape every language provides (string leaves, same keys). */
export type HowText = typeof howEn;
