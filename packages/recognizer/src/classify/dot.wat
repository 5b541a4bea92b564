;; Dot products of one feature vector with chosen template vectors, eight lanes at a time
;; (WebAssembly SIMD). This is the recogniser's inner loop: every symbol candidate is compared
;; with about a thousand templates. Vectors are stored as 16-bit integers (half the memory
;; traffic of floats, which is what limits this loop), each with its own scale; products are
;; summed in 32-bit integers over 64 elements at most, then in floats, so nothing overflows.
;; Compiled by scripts/compile-wasm.mjs into dot-wasm.ts.
(module
  (memory (export "memory") 1)
  ;; out[i] = scale[idx[i]] * sum over j < len of q[j] * t[idx[i] * len + j], for i < count.
  ;; q and t are i16 arrays, idx an i32 array, scale and out f32 arrays (byte addresses);
  ;; len is a multiple of 64.
  (func (export "dots_at") (param $q i32) (param $t i32) (param $scale i32) (param $idx i32) (param $count i32) (param $len i32) (param $out i32)
    (local $i i32)
    (local $k i32)
    (local $row_bytes i32)
    (local.set $row_bytes (i32.shl (local.get $len) (i32.const 1)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $k (i32.load (local.get $idx)))
        (f32.store (local.get $out)
          (f32.mul
            (f32.load (i32.add (local.get $scale) (i32.shl (local.get $k) (i32.const 2))))
            (call $dot (local.get $q) (i32.add (local.get $t) (i32.mul (local.get $k) (local.get $row_bytes))) (local.get $len))))
        (local.set $idx (i32.add (local.get $idx) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; One dot product of len i16 values (a multiple of 64) at byte addresses q and t.
  (func $dot (param $qp i32) (param $t i32) (param $len i32) (result f32)
    (local $end i32)
    (local $acc v128)
    (local $sum v128)
    (local.set $end (i32.add (local.get $t) (i32.shl (local.get $len) (i32.const 1))))
    (block $row_done
      (loop $chunks
        (br_if $row_done (i32.ge_u (local.get $t) (local.get $end)))
        ;; 64 elements: each lane sums 16 products of at most 2^26, below 2^31.
        (local.set $acc (i32x4.dot_i16x8_s (v128.load (local.get $qp)) (v128.load (local.get $t))))
        (local.set $acc (i32x4.add (local.get $acc) (i32x4.dot_i16x8_s (v128.load offset=16 (local.get $qp)) (v128.load offset=16 (local.get $t)))))
        (local.set $acc (i32x4.add (local.get $acc) (i32x4.dot_i16x8_s (v128.load offset=32 (local.get $qp)) (v128.load offset=32 (local.get $t)))))
        (local.set $acc (i32x4.add (local.get $acc) (i32x4.dot_i16x8_s (v128.load offset=48 (local.get $qp)) (v128.load offset=48 (local.get $t)))))
        (local.set $acc (i32x4.add (local.get $acc) (i32x4.dot_i16x8_s (v128.load offset=64 (local.get $qp)) (v128.load offset=64 (local.get $t)))))
        (local.set $acc (i32x4.add (local.get $acc) (i32x4.dot_i16x8_s (v128.load offset=80 (local.get $qp)) (v128.load offset=80 (local.get $t)))))
        (local.set $acc (i32x4.add (local.get $acc) (i32x4.dot_i16x8_s (v128.load offset=96 (local.get $qp)) (v128.load offset=96 (local.get $t)))))
        (local.set $acc (i32x4.add (local.get $acc) (i32x4.dot_i16x8_s (v128.load offset=112 (local.get $qp)) (v128.load offset=112 (local.get $t)))))
        (local.set $sum (f32x4.add (local.get $sum) (f32x4.convert_i32x4_s (local.get $acc))))
        (local.set $qp (i32.add (local.get $qp) (i32.const 128)))
        (local.set $t (i32.add (local.get $t) (i32.const 128)))
        (br $chunks)))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $sum)) (f32x4.extract_lane 1 (local.get $sum)))
      (f32.add (f32x4.extract_lane 2 (local.get $sum)) (f32x4.extract_lane 3 (local.get $sum))))))
