;; Dot products of one feature vector with chosen template vectors, four lanes at a time
;; (WebAssembly SIMD). This is the recogniser's inner loop: every symbol candidate is compared
;; with a few thousand templates. Compiled by scripts/compile-wasm.mjs into dot-wasm.ts.
(module
  (memory (export "memory") 1)
  ;; out[i] = sum over j < len of q[j] * t[idx[i] * len + j], for i < count: the same products for
  ;; chosen templates only (idx is the byte address of an i32 array).
  (func (export "dots_at") (param $q i32) (param $t i32) (param $idx i32) (param $count i32) (param $len i32) (param $out i32)
    (local $i i32)
    (local $row_bytes i32)
    (local.set $row_bytes (i32.shl (local.get $len) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (f32.store (local.get $out)
          (call $dot (local.get $q) (i32.add (local.get $t) (i32.mul (i32.load (local.get $idx)) (local.get $row_bytes))) (local.get $len)))
        (local.set $idx (i32.add (local.get $idx) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; One dot product of len floats (a multiple of 16) at byte addresses q and t.
  (func $dot (param $qp i32) (param $t i32) (param $len i32) (result f32)
    (local $end i32)
    (local $a0 v128)
    (local $a1 v128)
    (local $a2 v128)
    (local $a3 v128)
    (local.set $end (i32.add (local.get $t) (i32.shl (local.get $len) (i32.const 2))))
    (block $row_done
      (loop $cols
        (br_if $row_done (i32.ge_u (local.get $t) (local.get $end)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $qp)) (v128.load (local.get $t)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (local.get $qp)) (v128.load offset=16 (local.get $t)))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (local.get $qp)) (v128.load offset=32 (local.get $t)))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (local.get $qp)) (v128.load offset=48 (local.get $t)))))
        (local.set $qp (i32.add (local.get $qp) (i32.const 64)))
        (local.set $t (i32.add (local.get $t) (i32.const 64)))
        (br $cols)))
    (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
      (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0))))))
