//! A slab of fixed-size records whose slots are reused: memory follows what is live (running
//! invocations, queued async events), never how many were simulated.

#[derive(Clone, Debug)]
pub struct Slab<T> {
    slots: Vec<T>,
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T: Copy> Slab<T> {
    #[inline]
    pub fn insert(&mut self, value: T) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = value;
                i
            }
            None => {
                self.slots.push(value);
                (self.slots.len() - 1) as u32
            }
        }
    }

    #[inline]
    pub fn get_mut(&mut self, i: u32) -> &mut T {
        &mut self.slots[i as usize]
    }

    /// Frees the slot; the caller must not use `i` again.
    #[inline]
    pub fn remove(&mut self, i: u32) -> T {
        self.free.push(i);
        self.slots[i as usize]
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn slots_are_reused() {
        let mut s = super::Slab::default();
        let a = s.insert(1u8);
        let b = s.insert(2u8);
        assert_eq!(s.remove(a), 1);
        assert_eq!(s.insert(3), a);
        assert_eq!((*s.get_mut(b), *s.get_mut(a)), (2, 3));
    }
}
