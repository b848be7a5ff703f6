//! A pair of `f64` lanes (left, right) that always compiles to one SSE2 register on
//! x86-64 (part of the baseline target, so no runtime detection), and to plain arrays
//! elsewhere. The stereo biquads run both channels in it.

#[cfg(target_arch = "x86_64")]
mod imp {
    use std::arch::x86_64::{
        __m128d, _mm_add_pd, _mm_cvtsd_f64, _mm_mul_pd, _mm_set_pd, _mm_set1_pd, _mm_sub_pd,
        _mm_unpackhi_pd,
    };

    // SAFETY (every `unsafe` block below): these intrinsics only need SSE2, which every
    // x86-64 CPU has (it is part of the baseline target); they touch no memory.

    #[derive(Clone, Copy, Debug)]
    pub struct F64x2(__m128d);

    impl F64x2 {
        #[inline(always)]
        pub fn new(lane0: f64, lane1: f64) -> Self {
            Self(unsafe { _mm_set_pd(lane1, lane0) })
        }
        #[inline(always)]
        pub fn splat(v: f64) -> Self {
            Self(unsafe { _mm_set1_pd(v) })
        }
        #[inline(always)]
        pub fn to_array(self) -> [f64; 2] {
            unsafe {
                [
                    _mm_cvtsd_f64(self.0),
                    _mm_cvtsd_f64(_mm_unpackhi_pd(self.0, self.0)),
                ]
            }
        }
    }

    impl std::ops::Add for F64x2 {
        type Output = Self;
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            Self(unsafe { _mm_add_pd(self.0, o.0) })
        }
    }
    impl std::ops::Sub for F64x2 {
        type Output = Self;
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            Self(unsafe { _mm_sub_pd(self.0, o.0) })
        }
    }
    impl std::ops::Mul for F64x2 {
        type Output = Self;
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            Self(unsafe { _mm_mul_pd(self.0, o.0) })
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod imp {
    #[derive(Clone, Copy, Debug)]
    pub struct F64x2([f64; 2]);

    impl F64x2 {
        #[inline(always)]
        pub fn new(lane0: f64, lane1: f64) -> Self {
            Self([lane0, lane1])
        }
        #[inline(always)]
        pub fn splat(v: f64) -> Self {
            Self([v, v])
        }
        #[inline(always)]
        pub fn to_array(self) -> [f64; 2] {
            self.0
        }
    }

    macro_rules! lanewise {
        ($tr:ident, $f:ident, $op:tt) => {
            impl std::ops::$tr for F64x2 {
                type Output = Self;
                #[inline(always)]
                fn $f(self, o: Self) -> Self {
                    Self([self.0[0] $op o.0[0], self.0[1] $op o.0[1]])
                }
            }
        };
    }
    lanewise!(Add, add, +);
    lanewise!(Sub, sub, -);
    lanewise!(Mul, mul, *);
}

pub use imp::F64x2;

impl F64x2 {
    #[inline(always)]
    pub fn from_array(v: [f64; 2]) -> Self {
        Self::new(v[0], v[1])
    }
}

impl Default for F64x2 {
    fn default() -> Self {
        Self::splat(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::F64x2;

    #[test]
    fn lanes_stay_in_place() {
        let a = F64x2::new(1.0, 2.0);
        let b = F64x2::new(10.0, 20.0);
        assert_eq!((a + b).to_array(), [11.0, 22.0]);
        assert_eq!((b - a).to_array(), [9.0, 18.0]);
        assert_eq!((a * b).to_array(), [10.0, 40.0]);
        assert_eq!(F64x2::splat(3.0).to_array(), [3.0, 3.0]);
    }
}
