//! Intrusive doubly-linked lists of message slots: the links live in the message records, so
//! adding, removing from the middle and reading the front are O(1) and never allocate.
//!
//! A message has two pairs of links. `Main` links put it in the list of its state: the FIFO
//! of the server it is visible on, or its queue's in-flight list (ordered by visibility
//! deadline, which is append order since a queue's visibility timeout is fixed). `Age` links
//! put it in its queue's age list, ordered by enqueue time (retention, age of the oldest).

use super::message::{Message, Messages, NIL};

/// Which pair of links a list uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Main,
    Age,
}

impl Link {
    #[inline]
    fn prev(self, m: &Message) -> u32 {
        match self {
            Link::Main => m.prev,
            Link::Age => m.age_prev,
        }
    }

    #[inline]
    fn next(self, m: &Message) -> u32 {
        match self {
            Link::Main => m.next,
            Link::Age => m.age_next,
        }
    }

    #[inline]
    fn set(self, m: &mut Message, prev: u32, next: u32) {
        match self {
            Link::Main => (m.prev, m.next) = (prev, next),
            Link::Age => (m.age_prev, m.age_next) = (prev, next),
        }
    }

    #[inline]
    fn set_prev(self, m: &mut Message, prev: u32) {
        match self {
            Link::Main => m.prev = prev,
            Link::Age => m.age_prev = prev,
        }
    }

    #[inline]
    fn set_next(self, m: &mut Message, next: u32) {
        match self {
            Link::Main => m.next = next,
            Link::Age => m.age_next = next,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct List {
    pub head: u32,
    pub tail: u32,
}

impl List {
    pub const EMPTY: List = List {
        head: NIL,
        tail: NIL,
    };

    #[inline]
    pub fn front(&self) -> Option<u32> {
        (self.head != NIL).then_some(self.head)
    }

    #[inline]
    pub fn push_back(&mut self, ms: &mut Messages, slot: u32, link: Link) {
        let tail = self.tail;
        link.set(ms.get_mut(slot), tail, NIL);
        if tail == NIL {
            self.head = slot;
        } else {
            link.set_next(ms.get_mut(tail), slot);
        }
        self.tail = slot;
    }

    #[inline]
    pub fn unlink(&mut self, ms: &mut Messages, slot: u32, link: Link) {
        let m = ms.get(slot);
        let (prev, next) = (link.prev(m), link.next(m));
        if prev == NIL {
            self.head = next;
        } else {
            link.set_next(ms.get_mut(prev), next);
        }
        if next == NIL {
            self.tail = prev;
        } else {
            link.set_prev(ms.get_mut(next), prev);
        }
        link.set(ms.get_mut(slot), NIL, NIL);
    }

    /// Inserts by enqueue time (then id) on the `Age` links, walking back from the tail: O(1)
    /// for a new message, a short walk for a dead-letter move (older than the newest).
    pub fn insert_by_age(&mut self, ms: &mut Messages, slot: u32) {
        let key = |m: &Message| (m.sent_at, m.id);
        let k = key(ms.get(slot));
        let mut after = self.tail;
        while after != NIL && key(ms.get(after)) > k {
            after = ms.get(after).age_prev;
        }
        let before = if after == NIL {
            self.head
        } else {
            ms.get(after).age_next
        };
        Link::Age.set(ms.get_mut(slot), after, before);
        if after == NIL {
            self.head = slot;
        } else {
            ms.get_mut(after).age_next = slot;
        }
        if before == NIL {
            self.tail = slot;
        } else {
            ms.get_mut(before).age_prev = slot;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{QueueId, WorkloadId};
    use crate::kernel::SimTime;

    #[test]
    fn age_order_holds_with_late_older_messages_and_removals() {
        let mut ms = Messages::default();
        let mut list = List::EMPTY;
        let mut slots = Vec::new();
        for (id, t) in [(0u64, 10u64), (1, 20), (2, 30), (3, 5), (4, 25), (5, 40)] {
            let mut m = Message::new(id, QueueId(0), WorkloadId(0), SimTime::from_secs(t));
            m.state = super::super::message::MessageState::Visible;
            let s = ms.insert(m);
            list.insert_by_age(&mut ms, s);
            slots.push(s);
        }
        list.unlink(&mut ms, slots[2], Link::Age);
        let mut order = Vec::new();
        let mut at = list.head;
        while at != NIL {
            order.push(ms.get(at).id);
            at = ms.get(at).age_next;
        }
        assert_eq!(order, vec![3, 0, 1, 4, 5]);
        assert_eq!(ms.get(list.tail).id, 5);
    }
}
