#!/usr/bin/env python3
"""make-seeds.py: write the seed corpora of the fuzz targets (tests/fuzz/corpus/).

Run once from the repository root; the files it writes are committed, so
`make check` needs neither Python nor the network.  Standard library only."""
import os
import struct

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def npy(major, descr, fortran, shape, data):
    hdr = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, "True" if fortran else "False", shape)
    pre = 10 if major == 1 else 12
    hl = len(hdr) + 1
    pad = (64 - (pre + hl) % 64) % 64
    hdr = hdr + " " * pad + "\n"
    lenfield = struct.pack("<H" if major == 1 else "<I", len(hdr))
    return b"\x93NUMPY" + bytes([major, 0]) + lenfield + hdr.encode() + data


put("npy", "f4", npy(1, "<f4", False, "(2, 3)", struct.pack("<6f", 1, -2, 3, 0, 100, -7)))
put("npy", "i2_be_fortran", npy(2, ">i2", True, "(3, 2)", struct.pack(">6h", 1, 2, 3, 4, 5, 6)))
put("npy", "f2_v3", npy(3, "<f2", False, "(4,)", struct.pack("<4H", 0x3c00, 0xc000, 0x7c00, 1)))
put("npy", "b1_scalar", npy(1, "|b1", False, "()", b"\x01"))
put("npy", "u8_3d", npy(1, "<u8", False, "(1, 2, 1)", struct.pack("<2Q", 1, 2**63)))


def st(header, data):
    h = header.encode()
    return struct.pack("<Q", len(h)) + h + data


put("safetensors", "two", st(
    '{"__metadata__":{"k":"v"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},'
    '"b":{"dtype":"BF16","shape":[2],"data_offsets":[16,20]}}',
    struct.pack("<4f", 1, 2, 3, 4) + struct.pack("<2H", 0x3f80, 0xbf80)))
put("safetensors", "f8", st('{"q":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}', b"\x01\x02\x03\x04"))


def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gguf(be=False):
    o = ">" if be else "<"
    b = b"GGUF" + struct.pack(o + "IQQ", 3, 3, 3)
    g = lambda s: struct.pack(o + "Q", len(s)) + s.encode()
    b += g("general.name") + struct.pack(o + "I", 8) + g("tiny")
    b += g("tokens") + struct.pack(o + "IIQ", 9, 8, 2) + g("a") + g("bc")
    b += g("general.alignment") + struct.pack(o + "II", 4, 32)
    b += g("w") + struct.pack(o + "IQQIQ", 2, 3, 2, 0, 0)
    b += g("h") + struct.pack(o + "IQIQ", 1, 2, 1, 32)
    b += g("q") + struct.pack(o + "IQIQ", 1, 32, 2, 64)
    b += b"\0" * ((32 - len(b) % 32) % 32)
    b += struct.pack(o + "6f", 1, 2, 3, 4, 5, 6) + b"\0" * 8
    b += struct.pack(o + "2H", 0x3c00, 0xc000) + b"\0" * 28
    b += b"\x11" * 18
    return b


put("gguf", "v3_le", gguf(False))
put("gguf", "v3_be", gguf(True))

put("tfjs", "model.json",
    '{"format":"graph-model","modelTopology":{},"weightsManifest":[{"paths":["g1","g2"],'
    '"weights":[{"name":"k","shape":[2,3],"dtype":"float32"},{"name":"i","shape":[2],"dtype":"int32"},'
    '{"name":"q","shape":[4],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.1,"min":0}},'
    '{"name":"s","shape":[1],"dtype":"string"},{"name":"b","shape":[3],"dtype":"bool"}]}]}')
put("tfjs", "missing_shard.json",
    '{"weightsManifest":[{"paths":["xmissing"],"weights":[{"name":"k","shape":[1],"dtype":"float32"}]}]}')


def net(ci, ch, co):
    n = ci * ch + ch * co + ch + co
    return struct.pack("<4i2f", ci, ch, co, 1, 0.1, 1.0) + struct.pack("<%df" % n, *range(n))


put("gnubg", "two_nets", struct.pack("<2f", 472.3782, 1.0) + net(3, 2, 1) + net(2, 2, 2))

put("idx", "images_u8", bytes([0, 0, 8, 3]) + struct.pack(">3I", 2, 2, 3) + bytes(range(12)))
put("idx", "labels_u8", bytes([0, 0, 8, 1]) + struct.pack(">I", 3) + bytes([7, 0, 9]))
put("idx", "f64", bytes([0, 0, 0x0e, 2]) + struct.pack(">2I", 1, 2) + struct.pack(">2d", 1.5, -2))


def wav(ch, bits, fmt, data):
    return (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, fmt, ch, 16000, 16000 * ch * bits // 8, ch * bits // 8, bits) +
            b"data" + struct.pack("<I", len(data)) + data)


put("audio", "pcm16_stereo.wav", wav(2, 16, 1, struct.pack("<6h", -32768, 16384, 32767, -1, 0, 1)))
put("audio", "float_mono.wav", wav(1, 32, 3, struct.pack("<4f", 0.25, -0.5, 0.75, 0)))
put("audio", "pcm8.wav", wav(1, 8, 1, bytes([0, 128, 255, 7])))

put("text", "numbers", "# c\n1\n -2.5 \r\n0x1p-3\ninf\nnan\n1e300\n")
put("text", "bad", "1\n2 3\n")

for i, s in enumerate([
        "normal:n=1000000,std=1,seed=1",
        "outliers:rows=512,cols=4096,frac=0.002,scale=40,seed=3",
        "mix:n=10,seed=5,3*normal(mean=1,std=0.1),1*laplace(scale=4),t(nu=3)",
        "sine:n=16,amp=0.3,freq=1000,rate=48000,phase=1.5,noise=0.001",
        "uniform:lo=-1,hi=1,rows=2,cols=3,stream=7",
        "lognormal:n=4,mu=0.5,sigma=2", "relu:n=3,mean=1", "t:n=5,nu=2.5,loc=1,scale=3"]):
    put("spec", "s%d" % i, s)

# sweep plan files (fuzz_plan): as fpq sweep --print-plan writes them, quoted
# values, comments, and a few refusals
put("plan", "quant", 'source=normal:rows=1,cols=64,seed=1,stream=0,mean=0,std=1 label=normal format=int8 scheme=absmax granularity=tensor scale_format=fp32 scale_round=rne range=max round=rne symmetric=0 outlier=0\nsource=normal:rows=1,cols=64,seed=1,stream=0,mean=0,std=1 label=normal format=int8 scheme=mx granularity=group group=32 axis=1 scale_format=e8m0 mx_rule=floor range=max round=rne outlier=0\nsource=normal:rows=1,cols=64,seed=1,stream=0,mean=0,std=1 label=normal format=fp8_e4m3 scheme=absmax granularity=tensor scale_format=fp32 scale_round=rne range=max round=rne outlier=0\nsource=normal:rows=1,cols=64,seed=1,stream=0,mean=0,std=1 label=normal format=fp8_e4m3 scheme=mx granularity=group group=32 axis=1 scale_format=e8m0 mx_rule=floor range=max round=rne outlier=0\n')
put("plan", "cast", 'source=normal:rows=1,cols=64,seed=1,stream=0,mean=0,std=1 label=normal format=fp16 loss_scale=1 round=rne overflow=format\nsource=normal:rows=1,cols=64,seed=1,stream=0,mean=0,std=1 label=normal format=fp8_e4m3 loss_scale=1 round=rne overflow=format\n')
put("plan", "quoted", '# a comment\n\nsource="normal:n=8,seed=2" label="a b" format=int4 range=percentile:99.9\n')
put("plan", "bad", 'source=normal:n=8 format=int8 format=int4\nsource="x\n')

# sweep CSV files (fuzz_sweepcsv): quant and cast runs as written (header,
# plan line, rows), one cut short
put("sweepcsv", "quant.csv", 'cell,label,source,n,rows,cols,format,scheme,granularity,group,axis,scale_format,scale_round,mx_rule,range,round,seed,symmetric,outlier,kept_format,calibrate,method,mse,rmse,nmse,sqnr_db,lossless,max_abs_err,mean_rel_err,cos_sim,bias,clipped_frac,flushed_frac,overflow_frac,nan_frac,outlier_frac,bits_per_value,clip_ratio,unit_values\n#plan=280d8aead0a1bed0,cells=2\n0,normal,"normal:rows=1,cols=16,seed=1,stream=0,mean=0,std=1",16,1,16,int8,absmax,tensor,-,-,fp32,rne,-,max,rne,-,0,0,-,-,-,3.4659030058604926e-05,0.005887192035139072,2.2277444416938987e-05,46.52134631239751,0,0.01008455433464217,0.008974464240863013,0.9999892820355045,-0.0003818798987252894,0,0,0,0,0,1e+01,1,16\n1,normal,"normal:rows=1,cols=16,seed=1,stream=0,mean=0,std=1",16,1,16,int4,absmax,tensor,-,-,fp32,rne,-,max,rne,-,0,0,-,-,-,0.011494168619426542,0.10721086054792463,0.007387993896690885,21.314734720074547,0,0.17901442529671874,0.2702905734490678,0.9963069709368199,-0.004986589233396787,0,0.1875,0,0,0,6,1,16\n')
put("sweepcsv", "cast.csv", 'cell,label,source,n,rows,cols,format,loss_scale,round,seed,overflow,mse,rmse,nmse,sqnr_db,lossless,max_abs_err,mean_rel_err,cos_sim,bias,clipped_frac,flushed_frac,overflow_frac,nan_frac,outlier_frac,bits_per_value,subnormal_frac\n#plan=0561557fe8ec0af7,cells=1\n0,normal,"normal:rows=1,cols=16,seed=1,stream=0,mean=0,std=1",16,1,16,fp16,1,rne,-,format,6.391812742744369e-08,0.0002528203461500749,4.108402712343576e-08,73.86326992733828,0,0.0007551162797181377,0.00017133642300724277,0.9999999824781458,7.490495312378973e-05,0,0,0,0,0,16,0\n')
put("sweepcsv", "torn.csv", 'cell,label,source,n,rows,cols,format,scheme,granularity,group,axis,scale_format,scale_round,mx_rule,range,round,seed,symmetric,outlier,kept_format,calibrate,method,mse,rmse,nmse,sqnr_db,lossless,max_abs_err,mean_rel_err,cos_sim,bias,clipped_frac,flushed_frac,overflow_frac,nan_frac,outlier_frac,bits_per_value,clip_ratio,unit_values\n#plan=280d8aead0a1bed0,cells=2\n0,normal,"normal:rows=1,cols=16,seed=1,stream=0,mean=0,std=1",16,1,16,int8,absmax,tensor,-,-,fp32,rne,-,max,rne,-,0,0,-,-,-,3.4659030058604926e-05,0.005887192035139072,2.2277444416938987e-05,46.52134631239751,0,0.01008455433464217,0.008974464240863013,0.9999892820355045,-0.0003818798987252894,0,0,0,0,0,1e+01,1,16\n1,normal,"normal:rows=1,cols=16,seed=1,stream=0,mean=0,std=1",16,1,16,int4,absmax,tensor,-,-,fp32,rne,-,max,rne,-,0,0,-,-,-,0.011494168619426542,0.10721086054792463,0.007387993896690885,21.314734720074547,0,0.17901442529671874,0.2702905734490678,0.9963069709368199,-0.0')
