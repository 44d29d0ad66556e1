// usel-activations.mjs: run the bundled Universal Sentence Encoder Lite
// (TF.js graph model) on the bundled text and write real activations and
// weights as .npy, for the quantized-matmul study (fpq matmul X W).
//
// Usage: node scripts/usel-activations.mjs DATADIR [OUTDIR]   (OUTDIR: DATADIR/usel)
//
// Needs @tensorflow/tfjs (pure JS, CPU backend) installed in scripts/node
// (npm ci --prefix scripts/node; scripts/fetch-data.sh does it).  Reads
// DATADIR/use/{model.json, group1-shard*, vocab.json} and
// DATADIR/speech/transcription (the 5 LibriVox sentences, lower case, no
// punctuation; <s>, </s> and the trailing (utterance id) are stripped).
//
// Tokenizer: SentencePiece unigram over the model's vocab.json ([piece,
// log-prob] pairs; ids 0-5 are the unknown piece and control symbols and
// never match text): NFKC, whitespace runs -> one space, trimmed, a leading
// U+2581 added and spaces -> U+2581, then the Viterbi segmentation of
// greatest total log-prob; a character no piece covers becomes id 0 with
// log-prob (least log-prob - 10), and a run of them one id 0, as
// sentencepiece does.  The model takes
// the sentences as one sparse batch (indices [n,2] = sentence, position;
// values [n] = ids), pads with -1 and masks id > -1, and clips sentences
// at 128 tokens; rows here are the model's own real-token positions
// (its .../FFN/StoreMask/Where), in sentence order.  The bundled text
// gives 31 + 10 + 18 + 22 + 10 = 91 tokens (OUTDIR/tokens.tsv).
//
// The model: 8002 x 256 token embeddings + sinusoidal timing signal, a
// 256 -> 512 dense layer into the residual stream, 2 pre-LN transformer
// layers (attention, then FFN 512 -> 1536 -> ReLU -> 512, each added to
// the stream), mean over tokens, 512 x 512 tanh layer, L2 normalisation.
// Writes, for layer L = 0, 1 (S = module_apply_default/Encoder_en/
// KonaTransformer/Encode/TransformerStack/Layer_L/TransformerLayer):
//   ffn-in-lL.npy   tokens x 1536  S/FFN/conv2/Tensordot/Reshape: the ReLU
//                                  output as the FFN output projection's X
//   ffn-w-lL.npy    1536 x 512     S/FFN/conv2/Tensordot/Reshape_1: its W, a
//                                  float32 const of that shape in model.json
//                                  (the conv kernel, already folded)
//   ffn-out-lL.npy  tokens x 512   S/FFN/conv2/Tensordot/MatMul: the model's
//                                  own X W in float32 (the bias is added after)
//   resid-lL.npy    tokens x 512   the residual stream entering layer L:
//                                  l0 .../Layer_0/TransformerLayer/
//                                  AdjustResidualInput/Scatter/ScatterNd,
//                                  l1 .../Layer_0/.../FFN/layer_postprocess/add
//   resid-out.npy   tokens x 512   the stream after layer 1 (.../Layer_1/
//                                  TransformerLayer/FFN/layer_postprocess/add)
//   embeddings.npy  5 x 512        the sentence embeddings (model output)
//   tokens.tsv      row, sentence, position, id, piece
// .npy files are version 1.0, '<f4', C order, written to NAME.tmp and
// renamed; the same input gives the same bytes.  A summary of each file,
// the residual-stream outlier feature and the embeddings' cosine matrix are
// printed on stdout.

import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';

const me = 'usel-activations';
const here = path.dirname(fileURLToPath(import.meta.url));

function die(msg) {
    console.error(`${me}: ${msg}`);
    process.exit(1);
}

const argv = process.argv.slice(2);
const textMode = argv[0] === '--text';
if (textMode ? argv.length < 4 : argv.length < 1 || argv.length > 2 || argv[0] === '--help') {
    console.error('usage: node scripts/usel-activations.mjs DATADIR [OUTDIR]\n' +
                  '       node scripts/usel-activations.mjs --text DATADIR OUTDIR FILE...');
    process.exit(2);
}
if (textMode)
    argv.shift();
const data = argv[0];
const out = argv[1] ?? path.join(data, 'usel');

let tf;
try {
    tf = createRequire(path.join(here, 'node', 'package.json'))('@tensorflow/tfjs');
} catch (e) {
    die(`cannot load @tensorflow/tfjs (${e.code ?? e.message}): run npm ci --prefix ${path.join(here, 'node')}`);
}
tf.enableProdMode();                  // also silences the "install tfjs-node" banner
await tf.setBackend('cpu');

// ---- SentencePiece unigram tokenizer ---------------------------------------------

const RESERVED = 6;                   // ids 0-5: unknown, <s>, </s>, 3 extra ids
const UNK = 0;
const WB = '\u2581';                  // word start

function tokenizer(vocab) {
    const pieces = new Map();
    let maxLen = 0, minScore = 0;
    vocab.forEach(([piece, score], id) => {
        if (id < RESERVED)
            return;
        pieces.set(piece, [id, score]);
        maxLen = Math.max(maxLen, [...piece].length);
        minScore = Math.min(minScore, score);
    });
    const unkScore = minScore - 10;
    // text -> ids: best[j] is the greatest log-prob of a segmentation of the
    // first j code points; from[j], id[j] its last piece.
    return text => {
        const norm = text.normalize('NFKC').trim().replace(/\s+/g, ' ');
        const c = [...(WB + norm.replaceAll(' ', WB))];
        const n = c.length;
        const best = new Float64Array(n + 1).fill(-Infinity);
        const from = new Int32Array(n + 1), id = new Int32Array(n + 1);
        best[0] = 0;
        const relax = (i, j, pid, score) => {
            if (best[i] + score > best[j]) {
                best[j] = best[i] + score;
                from[j] = i;
                id[j] = pid;
            }
        };
        for (let i = 0; i < n; i++) {
            let single = false;
            for (let l = 1; l <= maxLen && i + l <= n; l++) {
                const e = pieces.get(c.slice(i, i + l).join(''));
                if (e) {
                    relax(i, i + l, e[0], e[1]);
                    single ||= l === 1;
                }
            }
            if (!single)
                relax(i, i + 1, UNK, unkScore);
        }
        const ids = [];                // a run of unknowns is one id 0
        for (let j = n; j > 0; j = from[j])
            if (!(id[j] === UNK && ids.at(-1) === UNK))
                ids.push(id[j]);
        return ids.reverse();
    };
}

// ---- inputs ----------------------------------------------------------------------

function readJson(p) {
    try {
        return JSON.parse(fs.readFileSync(p, 'utf8'));
    } catch (e) {
        die(`cannot read ${p}: ${e.message}`);
    }
}

const useDir = path.join(data, 'use');
const vocab = readJson(path.join(useDir, 'vocab.json'));
const trPath = path.join(data, 'speech', 'transcription');
if (!textMode && !fs.existsSync(trPath))
    die(`${trPath} missing (scripts/fetch-data.sh fetches it)`);
const sentences = textMode ? [] : fs.readFileSync(trPath, 'utf8').split('\n')
    .map(l => l.replace(/\([^()]*\)\s*$/, '').replace(/<\/?s>/g, '').trim())
    .filter(l => l.length > 0);
const encode = tokenizer(vocab);
const tokens = sentences.map(encode);

// A graph model from local files: the manifest's weights in order, their
// shards concatenated (the layout tf.io's own loaders build).
async function loadModel(dir) {
    const json = readJson(path.join(dir, 'model.json'));
    const specs = [], shards = [];
    for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths)
            shards.push(fs.readFileSync(path.join(dir, p)));
    }
    const all = Buffer.concat(shards);
    const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
    return tf.loadGraphModel(tf.io.fromMemory({modelTopology: json.modelTopology,
                                               weightSpecs: specs, weightData}));
}

const model = await loadModel(useDir);
const K = 'module_apply_default/Encoder_en/KonaTransformer/Encode/TransformerStack/';
const layer = l => `${K}Layer_${l}/TransformerLayer/`;
const NODES = {
    where: `${K}Layer_1/TransformerLayer/FFN/StoreMask/Where`,
    embeddings: 'module_apply_default/Encoder_en/hidden_layers/l2_normalize',
    'ffn-in-l0': `${layer(0)}FFN/conv2/Tensordot/Reshape`,
    'ffn-out-l0': `${layer(0)}FFN/conv2/Tensordot/MatMul`,
    'resid-l0': `${layer(0)}AdjustResidualInput/Scatter/ScatterNd`,
    'ffn-in-l1': `${layer(1)}FFN/conv2/Tensordot/Reshape`,
    'ffn-out-l1': `${layer(1)}FFN/conv2/Tensordot/MatMul`,
    'resid-l1': `${layer(0)}FFN/layer_postprocess/add`,
    'resid-out': `${layer(1)}FFN/layer_postprocess/add`,
};
const WEIGHTS = {
    'ffn-w-l0': `${layer(0)}FFN/conv2/Tensordot/Reshape_1`,
    'ffn-w-l1': `${layer(1)}FFN/conv2/Tensordot/Reshape_1`,
};

// The model's input for sentences of token ids: indices [n, 2] (sentence,
// position) and values [n] (ids).
function sparseBatch(lists) {
    const indices = [], values = [];
    lists.forEach((ids, s) => ids.forEach((id, p) => {
        indices.push([s, p]);
        values.push(id);
    }));
    return {indices, inputs: {indices: tf.tensor2d(indices, [indices.length, 2], 'int32'),
                              values: tf.tensor1d(values, 'int32')}};
}

// ---- --text: every linear layer's input over a longer English text --------------

// The linear layers (name: input node, the model's own product node, weight),
// both layers; the 1x1 Conv2D kernels [1, 1, K, N] are taken as K x N.
const E = 'module/Encoder_en/KonaTransformer/Encode/';
const LINEAR = {
    'proj-l0': [`${layer(0)}AdjustResidualInput/Gather/GatherNd`, `${layer(0)}AdjustResidualInput/dense/MatMul`,
                'module_apply_default/Encoder_en/KonaTransformer/Encode/Layer_0/TransformerLayer/dense/kernel/ConcatPartitions/concat'],
};
for (const l of [0, 1]) {
    const a = `${layer(l)}MultiheadAttention/`, v = `${E}Layer_${l}/TransformerLayer/MultiheadAttention/`;
    LINEAR[`qkv-l${l}`] = [`${layer(l)}layer_prepostprocess/layer_norm/add_1`, `${a}qkv_transform_single/Conv2D`,
                           `${v}qkv_transform_single/kernel/part_0`];
    LINEAR[`attn-l${l}`] = [`${a}combine_heads/combine_last_two_dimensions/Reshape`,
                            `${a}output_transform_single/Conv2D`, `${v}output_transform_single/kernel/part_0`];
    for (const c of [1, 2])
        LINEAR[`ffn${c}-l${l}`] = [`${layer(l)}FFN/conv${c}/Tensordot/Reshape`, `${layer(l)}FFN/conv${c}/Tensordot/MatMul`,
                                   `${layer(l)}FFN/conv${c}/Tensordot/Reshape_1`];
}
const MAXLEN = 128;                   // the model clips sentences there
const BATCH = 32;                     // sentences per model call

// Paragraphs (blank lines) -> sentences (after . ! ? ; and a space) -> pieces
// of whole words of at most MAXLEN tokens.
function textSentences(text) {
    const out = [];
    for (const para of text.split(/\n\s*\n/)) {
        for (const s of para.replace(/\s+/g, ' ').trim().split(/(?<=[.!?;])\s+/)) {
            if (!s)
                continue;
            if (encode(s).length <= MAXLEN) {
                out.push(s);
                continue;
            }
            let cur = [];
            for (const w of s.split(' ')) {
                if (cur.length && encode([...cur, w].join(' ')).length > MAXLEN) {
                    out.push(cur.join(' '));
                    cur = [];
                }
                cur.push(w);
            }
            out.push(cur.join(' '));
        }
    }
    return out;
}

async function recordText(files) {
    const sents = files.flatMap(f => {
        if (!fs.existsSync(f))
            die(`${f} missing`);
        return textSentences(fs.readFileSync(f, 'utf8'));
    });
    const toks = sents.map(encode);
    const names = Object.keys(LINEAR);
    const parts = Object.fromEntries(names.map(k => [k, {x: [], y: []}]));
    let nTok = 0, cols = {};
    const t0 = Date.now();
    for (let b = 0; b < sents.length; b += BATCH) {
        const ids = toks.slice(b, b + BATCH);
        const {indices, inputs} = sparseBatch(ids);
        const want = [NODES.where, ...names.flatMap(k => LINEAR[k].slice(0, 2))];
        const got = await model.executeAsync(inputs, want);
        const where = got[0].arraySync();
        if (where.length !== indices.length ||
            where.some(([s, p], r) => s !== indices[r][0] || p !== indices[r][1]))
            die(`batch at sentence ${b}: the model kept ${where.length} of ${indices.length} tokens, or not in order`);
        // an activation: [tokens, C] already gathered, or padded
        // [sentences, (1,) positions, C]: the real tokens gathered
        const real = t => tf.tidy(() => {
            const c = t.shape[t.shape.length - 1];
            if (t.shape.length === 2 && t.shape[0] === where.length)
                return t.dataSync().slice();
            return tf.gatherND(t.reshape([ids.length, -1, c]), got[0]).dataSync().slice();
        });
        names.forEach((k, i) => {
            for (const [j, part] of [[1, 'x'], [2, 'y']]) {
                const t = got[i * 2 + j];
                cols[`${k}-${part}`] = t.shape[t.shape.length - 1];
                parts[k][part].push(real(t));
            }
        });
        tf.dispose([...got, inputs.indices, inputs.values]);
        nTok += where.length;
    }
    fs.mkdirSync(out, {recursive: true});
    const cat = chunks => {
        const all = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
        let o = 0;
        for (const c of chunks) {
            all.set(c, o);
            o += c.length;
        }
        return all;
    };
    for (const k of names) {
        const w = model.weights[LINEAR[k][2]];
        if (!w)
            die(`weight ${LINEAR[k][2]} not in the model`);
        const [kk, nn] = w[0].shape.slice(-2);
        for (const part of ['x', 'y']) {
            const d = cat(parts[k][part]);
            if (d.length !== nTok * cols[`${k}-${part}`])
                die(`${k}-${part}: ${d.length} values, expected ${nTok} rows`);
            put(`${k}-${part}.npy`, npy({shape: [nTok, cols[`${k}-${part}`]], data: d}));
        }
        if (cols[`${k}-x`] !== kk || cols[`${k}-y`] !== nn)
            die(`${k}: X has ${cols[`${k}-x`]} columns and Y ${cols[`${k}-y`]}, W is ${kk} x ${nn}`);
        put(`${k}-w.npy`, npy({shape: [kk, nn], data: w[0].dataSync()}));
    }
    let tsv = 'row\tsentence\tposition\tid\tpiece\n', r = 0;
    toks.forEach((t, s) => t.forEach((id, p) => {
        tsv += `${r++}\t${s}\t${p}\t${id}\t${vocab[id][0]}\n`;
    }));
    put('tokens.tsv', tsv);
    const lens = toks.map(t => t.length);
    console.log(`${me}: ${files.length} text file(s), ${sents.length} sentences (longest ${Math.max(...lens)} tokens), ` +
                `${nTok} tokens, ${((Date.now() - t0) / 1000).toFixed(1)} s -> ${out}/`);
    for (const k of names)
        console.log(`  ${k.padEnd(8)} X ${nTok} x ${cols[`${k}-x`]}, W ${cols[`${k}-x`]} x ${cols[`${k}-y`]}`);
}

if (textMode) {
    await recordText(argv.slice(2));
    process.exit(0);
}

const {indices, inputs} = sparseBatch(tokens);
// Where and SparseToDense make the graph dynamic: executeAsync, which also
// returns intermediate nodes by name.
const names = Object.keys(NODES);
const got = await model.executeAsync(inputs, names.map(k => NODES[k]));
const res = Object.fromEntries(names.map((k, i) => [k, got[i]]));

// The real tokens as the model sees them: (sentence, position) pairs.
const where = res.where.arraySync();
const nTok = where.length;
if (nTok !== indices.length ||
    where.some(([s, p], r) => s !== indices[r][0] || p !== indices[r][1]))
    die(`the model kept ${nTok} of ${indices.length} tokens, or not in order (sentences over 128 tokens?)`);

// name -> {shape, data: Float32Array}, rows = real tokens for activations.
const arrays = {};
for (const k of names.filter(k => k !== 'where')) {
    const t = res[k];
    if (t.shape.length === 3) {                    // [sentence, position, 512]: drop padding
        const real = tf.gatherND(t, res.where);
        arrays[k] = {shape: real.shape, data: real.dataSync()};
    } else {
        const t2 = t.reshape([-1, t.shape[t.shape.length - 1]]);
        arrays[k] = {shape: t2.shape, data: t2.dataSync()};
    }
}
for (const [k, name] of Object.entries(WEIGHTS)) {
    const w = model.weights[name];
    if (!w)
        die(`weight ${name} not in the model`);
    arrays[k] = {shape: w[0].shape, data: w[0].dataSync()};
}
for (const k of ['ffn-in-l0', 'ffn-out-l0', 'ffn-in-l1', 'ffn-out-l1', 'resid-l0', 'resid-l1', 'resid-out'])
    if (arrays[k].shape[0] !== nTok)
        die(`${k}: ${arrays[k].shape[0]} rows, expected ${nTok}`);

// ---- output ----------------------------------------------------------------------

// .npy 1.0: magic, version, u16 header length, a Python dict literal padded
// with spaces and a newline to a multiple of 64 bytes; float32 little endian.
function npy({shape, data}) {
    let h = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
    h += ' '.repeat(63 - (10 + h.length) % 64) + '\n';
    const buf = Buffer.alloc(10 + h.length + 4 * data.length);
    buf.write('\x93NUMPY', 0, 'latin1');
    buf[6] = 1;
    buf[7] = 0;
    buf.writeUInt16LE(h.length, 8);
    buf.write(h, 10, 'latin1');
    for (let i = 0, o = 10 + h.length; i < data.length; i++, o += 4)
        buf.writeFloatLE(data[i], o);
    return buf;
}

function put(name, bytes) {
    const p = path.join(out, name);
    fs.writeFileSync(p + '.tmp', bytes);
    fs.renameSync(p + '.tmp', p);
}

fs.mkdirSync(out, {recursive: true});
const FILES = ['ffn-in-l0', 'ffn-w-l0', 'ffn-out-l0', 'resid-l0',
               'ffn-in-l1', 'ffn-w-l1', 'ffn-out-l1', 'resid-l1', 'resid-out', 'embeddings'];
for (const k of FILES)
    put(`${k}.npy`, npy(arrays[k]));
let tsv = 'row\tsentence\tposition\tid\tpiece\n';
where.forEach(([s, p], r) => {
    const id = tokens[s][p];
    tsv += `${r}\t${s}\t${p}\t${id}\t${vocab[id][0]}\n`;
});
put('tokens.tsv', tsv);

// ---- summary ---------------------------------------------------------------------

const fmt = (x, d = 2) => x.toFixed(d);
console.log(`${me}: ${sentences.length} sentences, ${nTok} tokens (${tokens.map(t => t.length).join(' + ')}) -> ${out}/`);
console.log(`${'file'.padEnd(16)} ${'shape'.padEnd(11)} ${'max|x|'.padStart(7)} ${'|x|>=6'.padStart(9)} ${'cols'.padStart(5)}  largest mean |x| feature: mean, range over tokens`);
for (const k of FILES) {
    const {shape: [rows, cols], data: x} = arrays[k];
    let amax = 0, n6 = 0;
    const colAbs = new Float64Array(cols), col6 = new Uint8Array(cols);
    for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) {
            const a = Math.abs(x[i * cols + j]);
            amax = Math.max(amax, a);
            colAbs[j] += a / rows;
            if (a >= 6) {
                n6++;
                col6[j] = 1;
            }
        }
    let line = `${k.padEnd(16)} ${`${rows}x${cols}`.padEnd(11)} ${fmt(amax).padStart(7)} ${(n6 / (rows * cols)).toExponential(2).padStart(9)} ${String(col6.reduce((a, b) => a + b)).padStart(5)}`;
    if (k.startsWith('resid')) {
        const top = [...colAbs.keys()].sort((a, b) => colAbs[b] - colAbs[a]).slice(0, 2);
        line += '  ' + top.map(j => {
            let lo = Infinity, hi = -Infinity;
            for (let i = 0; i < rows; i++) {
                lo = Math.min(lo, x[i * cols + j]);
                hi = Math.max(hi, x[i * cols + j]);
            }
            return `f${j}: ${fmt(colAbs[j])}, [${fmt(lo)}, ${fmt(hi)}]`;
        }).join('; ');
    }
    console.log(line);
}
const e = arrays.embeddings, d = e.shape[1];
const dot = (a, b) => {
    let s = 0;
    for (let j = 0; j < d; j++)
        s += e.data[a * d + j] * e.data[b * d + j];
    return s;
};
console.log(`embeddings: |e| = ${[...Array(e.shape[0]).keys()].map(i => fmt(Math.sqrt(dot(i, i)), 4)).join(' ')}; cosines:`);
for (let a = 0; a < e.shape[0]; a++)
    console.log('  ' + [...Array(e.shape[0]).keys()].map(b => fmt(dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b)), 3)).join(' ') +
                `   ${sentences[a].slice(0, 48)}`);
