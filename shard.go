package gradcheck

import "fmt"

// shardJobs flattens the plan into jobs in block order, then index order,
// and returns the run of shard i of n: the runs are contiguous and their
// lengths differ by at most one, so that shard reports merge by
// concatenation. n = 0 means the whole plan.
func shardJobs(plan [][]int, i, n int) []job {
	total := 0
	for _, idx := range plan {
		total += len(idx)
	}
	lo, hi := 0, total
	if n > 0 {
		lo, hi = i*total/n, (i+1)*total/n
	}
	jobs := make([]job, 0, hi-lo)
	k := 0
	for b, idx := range plan {
		for _, x := range idx {
			if k >= lo && k < hi {
				jobs = append(jobs, job{int32(b), int32(x)})
			}
			k++
		}
	}
	return jobs
}

// jsonScale is the part of the JSON schema for directional and sharded
// checks, embedded in jsonReport. Every field is omitted when empty, so the
// reports of ordinary checks read as before.
type jsonScale struct {
	Directions     []jsonDirection `json:"directions,omitempty"`
	Regions        []jsonRegion    `json:"regions,omitempty"`
	Shard          int             `json:"shard,omitempty"`
	Shards         int             `json:"shards,omitempty"`
	SetupEvals     int             `json:"setup_evals,omitempty"`
	SetupGradEvals int             `json:"setup_grad_evals,omitempty"`
}

type jsonDirection struct {
	Index     int       `json:"index"`
	Verdict   string    `json:"verdict"`
	Analytic  jsonFloat `json:"analytic"`
	Numeric   jsonFloat `json:"numeric"`
	ErrEst    jsonFloat `json:"err_est"`
	Threshold jsonFloat `json:"threshold"`
	Step      jsonFloat `json:"step"`
	Refined   bool      `json:"refined"`
	Located   bool      `json:"located"`
}

type jsonRegion struct {
	Block string `json:"block"`
	Lo    int    `json:"lo"`
	Hi    int    `json:"hi"`
	Parts int    `json:"parts"`
}

func scaleToJSON(r *Report) jsonScale {
	j := jsonScale{Shard: r.Shard, Shards: r.Shards, SetupEvals: r.SetupEvals, SetupGradEvals: r.SetupGradEvals}
	for _, d := range r.Directions {
		j.Directions = append(j.Directions, jsonDirection{
			Index: d.Index, Verdict: d.Verdict.String(), Analytic: jsonFloat(d.Analytic), Numeric: jsonFloat(d.Numeric),
			ErrEst: jsonFloat(d.ErrEst), Threshold: jsonFloat(d.Threshold), Step: jsonFloat(d.Step),
			Refined: d.Refined, Located: d.Located,
		})
	}
	for _, g := range r.Regions {
		j.Regions = append(j.Regions, jsonRegion(g))
	}
	return j
}

func scaleFromJSON(j *jsonScale, r *Report) error {
	r.Shard, r.Shards, r.SetupEvals, r.SetupGradEvals = j.Shard, j.Shards, j.SetupEvals, j.SetupGradEvals
	for k, d := range j.Directions {
		v, ok := parseVerdict(d.Verdict)
		if !ok {
			return fmt.Errorf("gradcheck: decoding a report: direction %d has an unknown verdict %q", k, d.Verdict)
		}
		r.Directions = append(r.Directions, DirectionResult{
			Index: d.Index, Verdict: v, Analytic: float64(d.Analytic), Numeric: float64(d.Numeric),
			ErrEst: float64(d.ErrEst), Threshold: float64(d.Threshold), Step: float64(d.Step),
			Refined: d.Refined, Located: d.Located,
		})
	}
	for k, g := range j.Regions {
		b := r.Block(g.Block)
		if b == nil || g.Lo < 0 || g.Hi > b.Size() || g.Lo >= g.Hi {
			return fmt.Errorf("gradcheck: decoding a report: region %d, [%d, %d) of block %q, is not inside a block of the report", k, g.Lo, g.Hi, g.Block)
		}
		r.Regions = append(r.Regions, Region(g))
	}
	return nil
}
