//! The load balancer's own tests: listener rules in order, weighted forwards' shares, and the
//! round robin and least outstanding picks.

use super::*;
use crate::kernel::stream;

fn spec(rules: Vec<Rule>, default: TgId) -> LoadBalancerSpec {
    LoadBalancerSpec {
        name: "web".into(),
        azs: vec![AzId(0), AzId(1)],
        cross_zone: true,
        idle_timeout: SimTime::from_secs(60),
        rules,
        default: Action::to(default),
    }
}

#[test]
fn first_matching_rule_wins_then_the_default() {
    let lb = spec(
        vec![
            Rule {
                path: Some(Pattern::path("/api/*")),
                action: Action::to(TgId(0)),
                ..Rule::default()
            },
            Rule {
                host: Some(Pattern::host("admin.*")),
                action: Action::to(TgId(1)),
                ..Rule::default()
            },
            Rule {
                path: Some(Pattern::path("/api/v2/*")),
                action: Action::to(TgId(2)),
                ..Rule::default()
            },
        ],
        TgId(3),
    );
    let to = |tg| Action::to(TgId(tg));
    let get = |host, path| RequestLine {
        host,
        path,
        method: "GET",
        headers: &[],
        query: &[],
        source_ip: None,
    };
    assert_eq!(lb.route(&get(None, "/api/v2/x")), &to(0));
    assert_eq!(lb.route(&get(Some("ADMIN.example.com"), "/x")), &to(1));
    assert_eq!(lb.route(&get(None, "/x")), &to(3));
    assert_eq!(spec(vec![], TgId(4)).route(&get(None, "/x")), &to(4));
    // Every condition of a rule must match; a condition's values are alternatives.
    let admin_posts = Rule {
        methods: vec!["POST".into(), "PUT".into()],
        source_ips: vec![Cidr::parse("10.0.0.0/8").unwrap()],
        action: to(5),
        ..Rule::default()
    };
    let lb = spec(vec![admin_posts], TgId(3));
    let ip = Some("10.9.8.7".parse().unwrap());
    let post = RequestLine {
        method: "PUT",
        source_ip: ip,
        ..get(None, "/x")
    };
    assert_eq!(lb.route(&post), &to(5));
    assert_eq!(
        lb.route(&RequestLine {
            method: "put",
            ..post
        }),
        &to(3)
    );
    assert_eq!(
        lb.route(&RequestLine {
            source_ip: None,
            ..post
        }),
        &to(3)
    );
}

#[test]
fn weighted_forward_shares_follow_the_weights_and_weight_zero_gets_none() {
    // AWS: a target group gets weight / sum of the weights of the forward action.
    let f = Forward::Weighted(vec![(TgId(0), 0), (TgId(1), 900), (TgId(2), 100)]);
    let mut rng = stream(9, "forward");
    let n = 200_000u32;
    let mut counts = [0u32; 3];
    for _ in 0..n {
        counts[f.pick(&mut rng).index()] += 1;
    }
    assert_eq!(counts[0], 0);
    let p = 0.1;
    let z = (f64::from(counts[2]) - f64::from(n) * p) / (f64::from(n) * p * (1.0 - p)).sqrt();
    assert!(z.abs() < 3.3, "{counts:?}");
    assert_eq!(f.groups().collect::<Vec<_>>(), [TgId(0), TgId(1), TgId(2)]);
    // One target group draws nothing.
    let mut a = stream(9, "forward");
    let mut b = stream(9, "forward");
    assert_eq!(Forward::One(TgId(7)).pick(&mut a), TgId(7));
    assert_eq!(a.open01(), b.open01());
}

#[test]
fn round_robin_cycles_and_least_outstanding_picks_the_idlest() {
    let mut lb = LoadBalancer::new(2, 1, stream(1, "t"));
    let mut rr = TargetGroup::new(1, Algorithm::RoundRobin);
    let mut lor = TargetGroup::new(1, Algorithm::LeastOutstandingRequests);
    for (i, load) in [5, 1, 3].into_iter().enumerate() {
        rr.register(InstanceId(i as u32), AzId(0), Health::Healthy, load);
        lor.register(InstanceId(i as u32), AzId(0), Health::Healthy, load);
    }
    let picks: Vec<u32> = (0..6)
        .map(|_| lb.choose(Algorithm::RoundRobin, 0, TgId(0), &rr, None).0)
        .collect();
    assert_eq!(picks, vec![0, 1, 2, 0, 1, 2]);
    for _ in 0..5 {
        let pick = lb.choose(Algorithm::LeastOutstandingRequests, 1, TgId(0), &lor, None);
        assert_eq!(pick, InstanceId(1));
    }
}
