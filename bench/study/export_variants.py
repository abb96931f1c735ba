"""Study (issue 10): export MiniLM to ONNX fp32 in /tmp/onnx (then quantize variants with
onnxruntime.quantization as docs/benchmarks.md lists). Run first: .venv/bin/python bench/study/export_variants.py"""
import time, torch, os
from transformers import AutoModel
src = str(__import__("assistant.runtime.models", fromlist=["x"]).resolve_embedder(__import__("assistant").Settings())[1])
base = AutoModel.from_pretrained(src).eval()
class W(torch.nn.Module):
    def __init__(s, b): super().__init__(); s.b=b
    def forward(s, input_ids, attention_mask, token_type_ids):
        return s.b(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
m = W(base)
ids = torch.ones(2, 16, dtype=torch.long)
t=time.time()
torch.onnx.export(m, (ids, torch.ones_like(ids), torch.zeros_like(ids)), "/tmp/onnx/fp32.onnx",
    input_names=["input_ids","attention_mask","token_type_ids"], output_names=["last_hidden_state"],
    dynamic_axes={"input_ids":{0:"b",1:"s"},"attention_mask":{0:"b",1:"s"},"token_type_ids":{0:"b",1:"s"},"last_hidden_state":{0:"b",1:"s"}},
    opset_version=17, dynamo=False)
print("export", time.time()-t)
from onnxruntime.quantization import quantize_dynamic, QuantType
quantize_dynamic("/tmp/onnx/fp32.onnx", "/tmp/onnx/int8.onnx", weight_type=QuantType.QInt8)
print(os.path.getsize("/tmp/onnx/fp32.onnx"), os.path.getsize("/tmp/onnx/int8.onnx"))
